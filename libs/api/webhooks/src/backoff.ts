/**
 * Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: `base · 3^(attempt-1)`, capped at
 * 12 hours, with ±25 % jitter so endpoints that failed together do not retry together. With the default base
 * (60 s) and 8 attempts the schedule is about 1 min, 3 min, 9 min, 27 min, 1.4 h, 4 h, 12 h — a day in total.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const nominal = Math.min(baseMs * 3 ** exponent, MAX_DELAY_MS);
  const jitter = 0.75 + 0.5 * random();
  return Math.round(nominal * jitter);
}

export const MAX_DELAY_MS = 12 * 60 * 60 * 1000;
