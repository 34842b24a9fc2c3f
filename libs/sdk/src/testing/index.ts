export * from './canned-server.js';
export * from './fixtures.js';
