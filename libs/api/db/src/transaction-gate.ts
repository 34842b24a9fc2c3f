import { DbUnavailableError } from './db-errors.js';

/**
 * Admits at most `limit` interactive transactions at once and queues the rest in order. Without it a burst of
 * requests makes every transaction race for the pool and many time out together (Prisma P2028); with it they run
 * as fast as connections free up, and only a wait longer than `queueTimeoutMs` is answered "unavailable".
 */
export class TransactionGate {
  private active = 0;
  private readonly waiting: { admit: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    private readonly limit: number,
    private readonly queueTimeoutMs: number,
  ) {
    if (limit < 1) throw new RangeError('the transaction limit must be at least 1');
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await fn();
    } finally {
      this.leave();
    }
  }

  get queued(): number {
    return this.waiting.length;
  }

  private enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        admit: () => {
          clearTimeout(entry.timer);
          this.active++;
          resolve();
        },
        timer: setTimeout(() => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(
            new DbUnavailableError(new Error(`waited ${this.queueTimeoutMs} ms for a transaction slot`)),
          );
        }, this.queueTimeoutMs),
      };
      this.waiting.push(entry);
    });
  }

  private leave(): void {
    this.active--;
    this.waiting.shift()?.admit();
  }
}
