export { AppModule, type AppModuleOptions } from './app.module.js';
export { createApp, JSON_BODY_LIMIT } from './create-app.js';
export { prepareDatabase, MIGRATIONS_DIR } from './database.js';
export { loadServerSecrets } from './server-secrets.js';
export { GRAPHQL_LIMITS } from './graphql.config.js';
export { accessTableProblems } from './access-table.check.js';
export { main } from './main.js';
