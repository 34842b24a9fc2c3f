import type { StreamingAeadParams } from './streaming-aead-format.js';

// Known-answer vectors published by Tink for AES-GCM-HKDF streaming (test data, not code):
//   tink-crypto/tink-java src/main/java/com/google/crypto/tink/streamingaead/internal/testing/AesGcmHkdfStreamingTestUtil.java
//   (vector 0 at commit a21764eebcfc225bf402fd415572592fbfcfd145; vectors 1-7 in a later revision of the same file).
// Vector 0 comes from Tink's cross-language test test_manually_created_test_vector and is repeated in
//   tink-crypto/tink-cc tink/streamingaead/internal/testing/aes_gcm_hkdf_streaming_test_vectors.cc.
// None uses the production templates (they fix small segment sizes so that several segments are exercised).
// Tink's comment on vector 7 says "length 65"; its plaintext is 64 bytes, exactly the first segment's capacity.

export interface StreamingAeadVector {
  readonly name: string;
  readonly params: StreamingAeadParams;
  readonly keyHex: string;
  readonly plaintext: Buffer;
  readonly associatedData: Buffer;
  readonly ciphertextHex: string;
}

const KEY_16 = '6eb56cdc726dfbe5d57f2fcdc6e9345b';
const KEY_32 = '00112233445566778899aabbccddeeff6eb56cdc726dfbe5d57f2fcdc6e9345b';
const EMPTY = Buffer.alloc(0);

export const TINK_VECTORS: readonly StreamingAeadVector[] = [
  {
    name: 'vector 0: SHA1, 64-byte segments, three segments (cross-language test vector)',
    params: { keySize: 16, derivedKeySize: 16, hkdfHash: 'SHA1', ciphertextSegmentSize: 64 },
    keyHex: KEY_16,
    plaintext: Buffer.from(
      'This is a fairly long plaintext. It is of the exact length to create three output blocks. ',
    ),
    associatedData: Buffer.from('aad'),
    ciphertextHex:
      // header: length ‖ salt ‖ nonce prefix
      '18' +
      '93b3af5e14ab378d065addfc8484da64' +
      '2c0862877baea8' +
      // segments 0, 1, 2
      'db92d9c77406a406168478821c4298eab3e6d531277f4c1a051714faebcaefcbca7b7be05e9445ea' +
      'a0bb2904153398a25084dd80ae0edcd1c3079fcea2cd3770630ee36f7539207b8ec9d754956d486b71cdf989f0ed6fba6779b63558be0a66e668df14e1603cd2' +
      'af8944844078345286d0b292e772e7190775c51a0f83e40c0b75821027e7e538e111',
  },
  {
    name: 'vector 1: empty plaintext and associated data, SHA1',
    params: { keySize: 16, derivedKeySize: 16, hkdfHash: 'SHA1', ciphertextSegmentSize: 64 },
    keyHex: KEY_16,
    plaintext: EMPTY,
    associatedData: EMPTY,
    ciphertextHex: '18ec99b2c3884194023bd41bb9bff309205354c750fa0cb3c0d02609abf71f88eaeaa48d7deca27f',
  },
  {
    name: 'vector 2: SHA256',
    params: { keySize: 16, derivedKeySize: 16, hkdfHash: 'SHA256', ciphertextSegmentSize: 64 },
    keyHex: KEY_16,
    plaintext: EMPTY,
    associatedData: EMPTY,
    ciphertextHex: '18be78bce0cab6fd38a9041eea8ab0ffc4cf17e3c00b661d3927f5f79069f41a210fedc40b25648c',
  },
  {
    name: 'vector 3: SHA512',
    params: { keySize: 16, derivedKeySize: 16, hkdfHash: 'SHA512', ciphertextSegmentSize: 64 },
    keyHex: KEY_16,
    plaintext: EMPTY,
    associatedData: EMPTY,
    ciphertextHex: '18fec8139ccb406e0f140d7e2bcc41e1b899bc1b121574cc31d1c78ed2ca1cdf324665b8dce21095',
  },
  {
    name: 'vector 4: 32-byte key value, 16-byte derived key',
    params: { keySize: 32, derivedKeySize: 16, hkdfHash: 'SHA1', ciphertextSegmentSize: 64 },
    keyHex: KEY_32,
    plaintext: EMPTY,
    associatedData: EMPTY,
    ciphertextHex: '180880e85a24207a7b72cefde26306ed09d7d76e58104b751d005a3ffd72dd6151f0d9c8ccf163f7',
  },
  {
    name: 'vector 5: 32-byte derived key',
    params: { keySize: 32, derivedKeySize: 32, hkdfHash: 'SHA1', ciphertextSegmentSize: 64 },
    keyHex: KEY_32,
    plaintext: EMPTY,
    associatedData: EMPTY,
    ciphertextHex:
      '28fae780c70a82d1256c8303a1261ac6a98cf557b4e173967a62f3c149517ba5b2431da93b3c6e90f508b34dc14bfda59bab05681c6ad3fa',
  },
  {
    name: 'vector 6: 128-byte segments (same ciphertext as vector 5)',
    params: { keySize: 32, derivedKeySize: 32, hkdfHash: 'SHA1', ciphertextSegmentSize: 128 },
    keyHex: KEY_32,
    plaintext: EMPTY,
    associatedData: EMPTY,
    ciphertextHex:
      '28fae780c70a82d1256c8303a1261ac6a98cf557b4e173967a62f3c149517ba5b2431da93b3c6e90f508b34dc14bfda59bab05681c6ad3fa',
  },
  {
    name: 'vector 7: 120-byte segments, 64-byte plaintext filling the first segment exactly',
    params: { keySize: 32, derivedKeySize: 32, hkdfHash: 'SHA1', ciphertextSegmentSize: 120 },
    keyHex: KEY_32,
    plaintext: Buffer.from('BLOCK 1.BLOCK 2.BLOCK 3.BLOCK 4.BLOCK 5.BLOCK 6.BLOCK 7.BLOCK 8.'),
    associatedData: Buffer.from([0, 1, 2, 3]),
    ciphertextHex:
      '28782994617714a80fa085e15051a16854522330d6d0f26c049b2192f09cdd98b2eb90c753bfff277a29e54fa4afb15d648c28477eb07f012535c767f5fdce24ffffae318480c1d37357d6d3c511159318afa09ef38aa3f5456fd7817c5c02dd6e1a7fef174c8bd24e38b5982ac105497c0101ac5581fe5b',
  },
];
