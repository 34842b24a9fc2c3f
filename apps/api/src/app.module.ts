import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import {
  AuthGuard,
  CoreModule,
  DomainErrorHttpFilter,
  createValidationPipe,
  type ArcaConfig,
  type Logger,
  type ServerSecrets,
} from '@arca/api-core';
import { DbModule } from '@arca/api-db';
import { AuditModule } from '@arca/api-audit';
import { IdentityModule } from '@arca/api-identity';
import { TenancyModule } from '@arca/api-tenancy';
import { ModelsModule } from '@arca/api-models';
import { AccessModule } from '@arca/api-access';
import { ArtifactsModule } from '@arca/api-artifacts';
import { JobsModule } from '@arca/api-jobs';
import { WebhooksModule } from '@arca/api-webhooks';
import { LifecycleModule } from '@arca/api-lifecycle';
import { AccessTableCheck } from './access-table.check.js';
import { graphqlOptions } from './graphql.config.js';
import { HealthController } from './health.controller.js';

export interface AppModuleOptions {
  config: ArcaConfig;
  secrets: ServerSecrets;
  logger: Logger;
  /** Connection string of the application role (RLS applies). */
  appUrl: string;
}

/** Composition root: wires the feature modules, the global default-deny guard and input validation. */
@Module({})
export class AppModule {
  static forRoot(opts: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(opts.config, opts.secrets, opts.logger),
        DbModule.forRoot({
          connectionString: opts.appUrl,
          poolMax: opts.config.database.poolMax,
          statementTimeoutMs: opts.config.database.statementTimeoutMs,
        }),
        GraphQLModule.forRoot<ApolloDriverConfig>(graphqlOptions(opts.config, opts.logger)),
        AuditModule,
        IdentityModule,
        TenancyModule,
        ModelsModule,
        AccessModule,
        ArtifactsModule,
        JobsModule.forRoot({
          connectionString: opts.appUrl,
          workers: opts.config.jobs.workers,
          pollIntervalMs: opts.config.jobs.pollIntervalMs,
        }),
        WebhooksModule,
        LifecycleModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: DomainErrorHttpFilter },
        AccessTableCheck,
      ],
    };
  }
}
