export { IdentityModule } from './identity.module.js';
export { PasswordHasher, PASSWORD_HASH_OPTIONS, assertPasswordPolicy } from './password-hasher.js';
export {
  TokenHasher,
  newApiKey,
  newOpaqueToken,
  isOpaqueToken,
  INVITATION_TOKEN_PREFIX,
  SESSION_TOKEN_PREFIX,
} from './token-hasher.js';
export { SessionIssuer, type IssuedSession } from './session-issuer.service.js';
export { UserRepository } from './user.repository.js';
export { ApiKeysService } from './api-keys.service.js';
export { LoginThrottle } from './login-throttle.js';
export { setSessionCookie, type CookieReply } from './session-cookie.js';
export { LoginInput, normalizeEmail } from './dto/login.input.js';
export {
  LoginResultModel,
  MeModel,
  TenantModel,
  ApiKeyModel,
  PrincipalKindEnum,
} from './models/identity.models.js';
export { toTenant, toUser, toApiKey, toLoginResult } from './models/mappers.js';
