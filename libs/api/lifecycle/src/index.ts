export { LifecycleModule } from './lifecycle.module.js';
export { AliasesService } from './aliases/aliases.service.js';
export { PromotionsService } from './promotions/promotions.service.js';
export { VersionLifecycleService } from './versions/version-lifecycle.service.js';
export { ArtifactPolicyService, type ArtifactPolicy } from './policy.service.js';
export { checkAliasName, parseMetrics, normalizeOnnxDomains, normalizeProtectedAliases } from './rules.js';
