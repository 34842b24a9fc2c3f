const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs: every layer checks the same shape before an id reaches a query. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Input limits shared by the API validators, the SDK and the console forms. */
export const Limits = {
  emailMax: 254,
  passwordMin: 12,
  passwordMaxBytes: 1024,
  displayNameMax: 200,
  tenantSlugPattern: /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/,
  tenantNameMax: 200,
  modelNamePattern: /^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$/,
  modelDescriptionMax: 4000,
  tagPattern: /^[a-z0-9][a-z0-9:._-]{0,49}$/,
  tagsMax: 32,
  searchQueryMax: 200,
  pageSizeMax: 100,
  pageSizeDefault: 20,
  apiKeyNameMax: 100,
  apiKeyModelsMax: 100,
  apiKeyMaxDays: 365,
  apiKeyDefaultDays: 90,
} as const;
