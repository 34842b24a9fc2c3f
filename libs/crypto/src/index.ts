export { IntegrityError, open, seal } from './aead.js';
export { LocalKeyProvider, type KeyProvider } from './key-provider.js';
