export { TenancyModule } from './tenancy.module.js';
export { TenantsService, type ProvisionTenantCommand, type ProvisionedTenant } from './tenants.service.js';
