export * from './permissions.js';
export * from './operations.js';
export * from './errors.js';
export * from './limits.js';
export * from './api-key-format.js';
export * from './webhooks.js';
