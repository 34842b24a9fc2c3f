// Test vectors for @arca/transparency consumers (SDK, CLI, API tests): import from '@arca/transparency/testing'.
export * from './vectors.js';
