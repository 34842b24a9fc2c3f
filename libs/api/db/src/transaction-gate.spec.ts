import { describe, expect, it } from 'vitest';
import { DbUnavailableError } from './db-errors.js';
import { TransactionGate } from './transaction-gate.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TransactionGate', () => {
  it('never runs more than the limit at once and admits waiters in order', async () => {
    const gate = new TransactionGate(2, 5_000);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gate.run(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await tick(5);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gate.queued).toBe(0);
  });

  it('releases the slot when the work fails', async () => {
    const gate = new TransactionGate(1, 1_000);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(() => Promise.resolve(42))).resolves.toBe(42);
  });

  it('answers DbUnavailableError when the wait exceeds the queue timeout, without running the work', async () => {
    const gate = new TransactionGate(1, 20);
    let ran = false;
    const holder = gate.run(() => tick(100));
    await expect(
      gate.run(() => {
        ran = true;
        return Promise.resolve();
      }),
    ).rejects.toBeInstanceOf(DbUnavailableError);
    await holder;
    expect(ran).toBe(false);
    expect(gate.queued).toBe(0);
    await expect(gate.run(() => Promise.resolve('free again'))).resolves.toBe('free again');
  });
});
