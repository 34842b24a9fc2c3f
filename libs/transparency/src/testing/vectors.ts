// Published and derived test vectors from the audit design notes (reference/audit.md §2), as hex / text.
// Sources: transparency-dev/merkle (rfc6962_test.go, testonly/constants.go, proof/verify_test.go),
// certificate-transparency-go merkle_verifier_test.go, C2SP signed-note.md; §2.7 values are derived.
export { APPENDIX_A_CONSISTENCY, APPENDIX_A_INCLUSION } from './appendix-a.js';
export type { ConsistencyCase, InclusionCase } from './appendix-a.js';

/** §2.1 hasher vectors. */
export const HASHER = {
  emptyRoot: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  emptyLeaf: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  /** HashLeaf("L123456") */
  leafL123456: '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56',
  /** HashChildren("N123", "N456") over the raw 4-byte strings */
  nodeN123N456: 'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
  /** HashLeaf("data"): leaf and root of the single-entry tree */
  leafData: '0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc',
} as const;

/** §2.2 leaf inputs of the 8-leaf reference tree. */
export const LEAF_INPUTS_HEX: readonly string[] = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];

/** §2.2 leaf hashes = SHA-256(0x00 ‖ input). */
export const LEAF_HASHES_HEX: readonly string[] = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
  'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
  '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
];

/** §2.2 interior nodes of the complete subtrees (level ≥ 1). */
export const NODE_HASHES: readonly { level: number; index: number; hash: string }[] = [
  { level: 1, index: 0, hash: 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125' },
  { level: 1, index: 1, hash: '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e' },
  { level: 1, index: 2, hash: '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a' },
  { level: 1, index: 3, hash: 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0' },
  { level: 2, index: 0, hash: 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7' },
  { level: 2, index: 1, hash: '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4' },
  { level: 3, index: 0, hash: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328' },
];

/** §2.2 roots of every prefix, index = tree size 0..8. */
export const ROOTS_HEX: readonly string[] = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** §2.2 derived: MTH(D[4:7]), "l" in the RFC 6962 §2.1.3 example. */
export const MTH_4_7_HEX = '837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e';

/** §2.3 published inclusion proofs (0-based leaf index). */
export const PUBLISHED_INCLUSION: readonly {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
  root: string;
}[] = [
  { leafIndex: 0, treeSize: 1, leafHash: LEAF_HASHES_HEX[0]!, proof: [], root: ROOTS_HEX[1]! },
  {
    leafIndex: 0,
    treeSize: 8,
    leafHash: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
    root: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  },
  {
    leafIndex: 5,
    treeSize: 8,
    leafHash: '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
    root: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  },
  {
    leafIndex: 2,
    treeSize: 3,
    leafHash: '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'],
    root: 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  },
  {
    leafIndex: 1,
    treeSize: 5,
    leafHash: '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
    root: '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  },
];

/** §2.4 published consistency proofs. */
export const PUBLISHED_CONSISTENCY: readonly {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
}[] = [
  { size1: 1, size2: 1, root1: ROOTS_HEX[1]!, root2: ROOTS_HEX[1]!, proof: [] },
  {
    size1: 1,
    size2: 8,
    root1: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    root2: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    root1: '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    root2: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    root1: 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    root2: '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    root1: '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    root2: 'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

/** §2.5 "additional" inputs: a "random" leaf hash used by the negative corpus. */
export const RANDOM_LEAF_HEX = 'abacaba000000000000000000000000000000000000000000060061e00123456';

/** §2.6 C2SP signed-note example. */
export const C2SP_NOTE = {
  vkey: 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k',
  keyIdHex: '530d903a',
  text:
    'This is an example message.\n' +
    '\n' +
    '\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n',
  body: 'This is an example message.\n',
} as const;

/** §2.7 derived vectors for our own formats (Ed25519 is deterministic). */
export const DERIVED = {
  /** Log key seed: bytes 0..31. */
  logSeed: Uint8Array.from({ length: 32 }, (_, i) => i),
  origin: 'registry.example/audit/v1',
  logVkey: 'registry.example/audit/v1+71da39e9+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4',
  checkpointBody: 'registry.example/audit/v1\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n',
  checkpointBodySha256: 'd12ba464484a508b666381f4a5c106489cc6a0ff43aaf338067539ef55e41ba1',
  checkpointNote:
    'registry.example/audit/v1\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n' +
    '\n' +
    '\u2014 registry.example/audit/v1 cdo56TwqZxZOEgcvZnVuCLnrl1ePu/TnbW/2O0YHXeoyVQX7AQJ9RqUz3Ha8n2IdrIRlfkBFmatFXKZemCDha/AHpwE=\n',
  /** Witness key seed: bytes 32..63. */
  witnessSeed: Uint8Array.from({ length: 32 }, (_, i) => i + 32),
  witnessName: 'witness.example/w1',
  witnessVkey: 'witness.example/w1+20324abe+BCmsuuFBvMrwsi4alNNNC8c2HlJtC/4SyJeUvJMilm3X',
  cosignatureTime: 1700000000,
  cosignatureLine:
    '\u2014 witness.example/w1 IDJKvgAAAABlU/EA/hkhtQu1xUf9nbUHJjUyKHZfAaAAZK0qz/0lGQLCfMPii6TCHLhMAvbrrLA2Ff6+vLei8NQlGu1yULWI+7N9BA==\n',
} as const;
