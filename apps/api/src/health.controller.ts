import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { Db } from '@arca/api-db';
import { Public } from '@arca/api-core';

@Controller()
export class HealthController {
  constructor(@Inject(Db) private readonly db: Db) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @Public()
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: Postgres answers through the application role. */
  @Get('readyz')
  @Public()
  async readyz(): Promise<{ status: 'ready' }> {
    try {
      await this.db.client.$queryRaw`SELECT 1`;
      return { status: 'ready' };
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable' });
    }
  }
}
