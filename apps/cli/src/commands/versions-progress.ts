import type { TransferProgress, TransferRetry } from '@arca/sdk';
import { sanitize, type TextSink } from '../output.js';
import { formatBytes } from './versions-refs.js';

// Progress of `arca push` / `arca pull` on stderr: one line redrawn in place on a terminal, or a line per 10 %
// with --progress into a pipe or file. It shows sizes, percentages and rates only: never a URL or a token.

/** `uploading  12.0 MiB / 48.0 MiB   25%  3.1 MiB/s` */
export function formatProgress(verb: string, progress: TransferProgress, elapsedMs: number): string {
  const { transferred, total } = progress;
  const percent = total === 0 ? 100 : Math.floor((transferred / total) * 100);
  const rate = elapsedMs > 0 ? `  ${formatBytes(Math.round((transferred * 1000) / elapsedMs))}/s` : '';
  return `${verb}  ${formatBytes(transferred)} / ${formatBytes(total)}  ${String(percent).padStart(3)}%${rate}`;
}

/** `connection lost (no data moved for 30000 ms); retry 1 of 5 in 0.5 s` */
export function formatRetry(retry: TransferRetry): string {
  const seconds = (retry.delayMs / 1000).toFixed(1);
  return `connection lost (${sanitize(retry.error.message)}); retry ${retry.attempt} of ${retry.retries} in ${seconds} s`;
}

export class ProgressLine {
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastStep = -1;
  private drawn = false;

  /** `tty`: redraw one line with \r; otherwise print a line per 10 % step. */
  constructor(
    private readonly stderr: TextSink,
    private readonly verb: string,
    private readonly tty: boolean,
  ) {}

  update(progress: TransferProgress): void {
    const now = Date.now();
    const text = formatProgress(this.verb, progress, now - this.started);
    if (this.tty) {
      const final = progress.transferred === progress.total;
      if (!final && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.stderr.write(`\r${text}\u001b[K`);
      this.drawn = true;
      return;
    }
    const step = progress.total === 0 ? 10 : Math.floor((progress.transferred / progress.total) * 10);
    if (step === this.lastStep) return;
    this.lastStep = step;
    this.stderr.write(`${text}\n`);
  }

  retry(retry: TransferRetry): void {
    this.end();
    this.stderr.write(`arca: ${formatRetry(retry)}\n`);
  }

  /** Ends a redrawn line so that later output starts on a fresh one. */
  end(): void {
    if (this.drawn) this.stderr.write('\n');
    this.drawn = false;
  }
}
