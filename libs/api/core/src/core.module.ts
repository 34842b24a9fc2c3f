import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ARCA_CONFIG, SERVER_SECRETS, type ArcaConfig, type ServerSecrets } from './config/index.js';
import { AUTHZ_OBSERVER, LoggingAuthorizationObserver } from './auth/authorization-observer.js';
import { LOGGER, type Logger } from './logging/logger.js';

/** Validated config, server secrets, the JSON logger and the authorization observer, for every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: ArcaConfig, secrets: ServerSecrets, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: ARCA_CONFIG, useValue: config },
        { provide: SERVER_SECRETS, useValue: secrets },
        { provide: LOGGER, useValue: logger },
        {
          provide: AUTHZ_OBSERVER,
          useValue: new LoggingAuthorizationObserver((entry, msg) => logger.warn(entry, msg)),
        },
      ],
      exports: [ARCA_CONFIG, SERVER_SECRETS, LOGGER, AUTHZ_OBSERVER],
    };
  }
}
