import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';

/** Failed-attempt counters shared by every API replica (auth_throttle holds no tenant data, only keyed hashes). */
@Injectable()
export class ThrottleRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  async blockedUntil(keys: string[]): Promise<Date | null> {
    const rows = await this.db.client.authThrottle.findMany({
      where: { key: { in: keys }, blockedUntil: { gt: new Date() } },
      select: { blockedUntil: true },
    });
    const times = rows.map((r) => r.blockedUntil?.getTime() ?? 0);
    return times.length ? new Date(Math.max(...times)) : null;
  }

  /** Atomically counts a failure in a fixed window and blocks the key once `limit` is reached. */
  async recordFailure(
    key: string,
    windowSeconds: number,
    limit: number,
    blockSeconds: number,
  ): Promise<void> {
    await this.db.client.$executeRaw`
      INSERT INTO auth_throttle AS t (key, failures, window_started_at, blocked_until)
      VALUES (${key}, 1, now(), CASE WHEN ${limit}::int <= 1 THEN now() + make_interval(secs => ${blockSeconds}::int) END)
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN t.window_started_at < now() - make_interval(secs => ${windowSeconds}::int) THEN 1 ELSE t.failures + 1 END,
        window_started_at = CASE WHEN t.window_started_at < now() - make_interval(secs => ${windowSeconds}::int) THEN now() ELSE t.window_started_at END,
        blocked_until = CASE
          WHEN (CASE WHEN t.window_started_at < now() - make_interval(secs => ${windowSeconds}::int) THEN 1 ELSE t.failures + 1 END) >= ${limit}::int
          THEN now() + make_interval(secs => ${blockSeconds}::int)
          ELSE t.blocked_until END`;
  }

  async reset(key: string): Promise<void> {
    await this.db.client.authThrottle.deleteMany({ where: { key } });
  }
}
