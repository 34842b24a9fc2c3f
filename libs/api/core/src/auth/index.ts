export * from './access.decorators.js';
export * from './auth.guard.js';
export * from './authorization-observer.js';
export * from './credential-replay.js';
export * from './csrf.js';
export * from './request-info.js';
