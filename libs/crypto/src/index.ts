export { IntegrityError, open, seal } from './aead.js';
export { ByteQueue } from './byte-queue.js';
export { LocalKeyProvider, masterKeyId, type KeyProvider } from './key-provider.js';
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
  SegmentCipher,
  ciphertextSize,
  headerLength,
  locateSegment,
  plaintextSegmentSize,
  plaintextSize,
  segmentCount,
  segmentRange,
  type HkdfHash,
  type SegmentLocation,
  type SegmentRange,
  type StreamingAeadParams,
} from './streaming-aead-format.js';
