export { IntegrityError, open, seal } from './aead.js';
export { LocalKeyProvider, type KeyProvider } from './key-provider.js';
export {
  decrypt,
  decryptRange,
  decryptSegment,
  decryptStream,
  encrypt,
  encryptStream,
  readHeader,
  type ReadCiphertextRange,
} from './streaming-aead.js';
export {
  AES128_GCM_HKDF_1MB,
  AES128_GCM_HKDF_4KB,
  AES256_GCM_HKDF_1MB,
  AES256_GCM_HKDF_4KB,
  ciphertextSize,
  headerLength,
  locateSegment,
  plaintextSize,
  segmentCount,
  segmentRange,
  type HkdfHash,
  type SegmentCipher,
  type SegmentLocation,
  type SegmentRange,
  type StreamingAeadParams,
} from './streaming-aead-format.js';
