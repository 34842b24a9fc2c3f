export * from './domain-error.js';
export * from './format-error.js';
export * from './http-error.filter.js';
