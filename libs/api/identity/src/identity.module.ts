import { Module } from '@nestjs/common';
import { CREDENTIAL_RESOLVER, SERVER_SECRETS, type ServerSecrets } from '@arca/api-core';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeysResolver } from './api-keys.resolver.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthResolver } from './auth.resolver.js';
import { AuthService } from './auth.service.js';
import { IdentityCredentialResolver } from './credential-resolver.service.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionIssuer } from './session-issuer.service.js';
import { SessionRepository } from './session.repository.js';
import { ThrottleRepository } from './throttle.repository.js';
import { TokenHasher } from './token-hasher.js';
import { UserRepository } from './user.repository.js';

/** Users, passwords, sessions, API keys, and the credential resolver behind the global auth guard. */
@Module({
  providers: [
    {
      provide: TokenHasher,
      useFactory: (s: ServerSecrets) => new TokenHasher(s.tokenPepper),
      inject: [SERVER_SECRETS],
    },
    PasswordHasher,
    UserRepository,
    SessionRepository,
    ApiKeyRepository,
    ThrottleRepository,
    LoginThrottle,
    SessionIssuer,
    AuthService,
    ApiKeysService,
    IdentityCredentialResolver,
    { provide: CREDENTIAL_RESOLVER, useExisting: IdentityCredentialResolver },
    AuthResolver,
    ApiKeysResolver,
  ],
  exports: [
    CREDENTIAL_RESOLVER,
    PasswordHasher,
    TokenHasher,
    SessionIssuer,
    UserRepository,
    ApiKeysService,
    LoginThrottle,
  ],
})
export class IdentityModule {}
