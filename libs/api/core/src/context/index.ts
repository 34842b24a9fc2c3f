export * from './tenant-context.js';
export * from './request-context.js';
