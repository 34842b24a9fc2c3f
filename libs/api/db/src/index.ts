export * from './prisma-client.js';
export * from './db.service.js';
export * from './db.module.js';
export * from './migration-runner.js';
export * from './embedded-postgres.js';
export * from './bootstrap.js';
