import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LocalKeyProvider } from '@arca/crypto';
import {
  ARCA_CONFIG,
  KEY_PROVIDER,
  SERVER_SECRETS,
  type ArcaConfig,
  type ServerSecrets,
} from './config/index.js';
import { LOGGER, type Logger } from './logging/logger.js';

/** Validated config, server secrets, the master-key provider and the JSON logger, for every module. */
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
          provide: KEY_PROVIDER,
          useValue: new LocalKeyProvider(secrets.masterKey, config.previousMasterKeys),
        },
      ],
      exports: [ARCA_CONFIG, SERVER_SECRETS, LOGGER, KEY_PROVIDER],
    };
  }
}
