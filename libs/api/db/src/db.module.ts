import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Db } from './db.service.js';
import { createPrismaClient, type PrismaConnectionOptions } from './prisma-client.js';

export const DB_OPTIONS = Symbol('DB_OPTIONS');

class DbLifecycle implements OnApplicationShutdown {
  constructor(@Inject(Db) private readonly db: Db) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/** Provides the app-role `Db` (RLS applies) to every feature module. */
@Global()
@Module({})
export class DbModule {
  static forRoot(options: PrismaConnectionOptions): DynamicModule {
    return {
      module: DbModule,
      providers: [
        { provide: DB_OPTIONS, useValue: options },
        {
          provide: Db,
          // Leave a quarter of the pool (at least one connection) to the one-statement authentication lookups.
          useFactory: () =>
            new Db(createPrismaClient(options), {
              maxTransactions: Math.max(1, Math.floor(options.poolMax * 0.75)),
            }),
        },
        DbLifecycle,
      ],
      exports: [Db, DB_OPTIONS],
    };
  }
}
