import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APPENDIX_A_CONSISTENCY,
  APPENDIX_A_INCLUSION,
  LEAF_HASHES_HEX,
  PUBLISHED_CONSISTENCY,
  PUBLISHED_INCLUSION,
  ROOTS_HEX,
} from '@arca/transparency/testing';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { CliHarness } from './testing/harness.js';

let h: CliHarness;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arca-proofs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  h = await CliHarness.start();
});
afterEach(async () => {
  await h.close();
});

let fileCount = 0;
async function proofFile(content: unknown): Promise<string> {
  const path = join(dir, `proof-${fileCount++}.json`);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const verify = async (content: unknown, ...flags: string[]) =>
  h.run(['audit', 'verify-proof', await proofFile(content), ...flags]);

const inclusion = (leafIndex: number, treeSize: number, proof: readonly string[]) => ({
  type: 'inclusion',
  leafIndex,
  treeSize,
  leafHash: LEAF_HASHES_HEX[leafIndex]!,
  rootHash: ROOTS_HEX[treeSize]!,
  proof,
});

const consistency = (size1: number, size2: number, proof: readonly string[]) => ({
  type: 'consistency',
  size1,
  size2,
  root1: ROOTS_HEX[size1]!,
  root2: ROOTS_HEX[size2]!,
  proof,
});

const flipBit = (hex: string, byte: number): string =>
  hex.slice(0, byte * 2) +
  (parseInt(hex.slice(byte * 2, byte * 2 + 2), 16) ^ 1).toString(16).padStart(2, '0') +
  hex.slice(byte * 2 + 2);

describe('arca audit verify-proof: valid proofs', () => {
  it('accepts every reference proof (§2.3, §2.4, Appendix A)', async () => {
    const files = [
      ...PUBLISHED_INCLUSION.map((c) => ({
        ...inclusion(c.leafIndex, c.treeSize, c.proof),
        leafHash: c.leafHash,
        rootHash: c.root,
      })),
      ...PUBLISHED_CONSISTENCY.map((c) => ({
        ...consistency(c.size1, c.size2, c.proof),
        root1: c.root1,
        root2: c.root2,
      })),
      ...APPENDIX_A_INCLUSION.map((c) => inclusion(c.leafIndex, c.treeSize, c.proof)),
      ...APPENDIX_A_CONSISTENCY.map((c) => consistency(c.size1, c.size2, c.proof)),
    ];
    expect(files).toHaveLength(74);
    for (const content of files) {
      const run = await verify(content);
      expect(run, JSON.stringify(content)).toEqual({ code: 0, stdout: 'valid\n', stderr: '' });
    }
  });

  it('prints {"valid":true} with --json', async () => {
    const c = APPENDIX_A_INCLUSION[30]!;
    const run = await verify(inclusion(c.leafIndex, c.treeSize, c.proof), '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ valid: true });
  });

  it('reads the proof from standard input with -', async () => {
    const c = APPENDIX_A_CONSISTENCY[27]!;
    const run = await h.run(['audit', 'verify-proof', '-'], {
      stdin: JSON.stringify(consistency(c.size1, c.size2, c.proof)),
    });
    expect(run).toEqual({ code: 0, stdout: 'valid\n', stderr: '' });
  });

  it('accepts upper-case hex', async () => {
    const c = consistency(
      6,
      8,
      PUBLISHED_CONSISTENCY[2]!.proof.map((p) => p.toUpperCase()),
    );
    expect((await verify({ ...c, root1: c.root1.toUpperCase() })).code).toBe(0);
  });
});

describe('arca audit verify-proof: invalid proofs exit 1', () => {
  const inc = APPENDIX_A_INCLUSION.find((c) => c.leafIndex === 5 && c.treeSize === 8)!;
  const con = APPENDIX_A_CONSISTENCY.find((c) => c.size1 === 3 && c.size2 === 7)!;
  const cases: [string, unknown, RegExp][] = [
    [
      'a flipped bit in the proof',
      inclusion(5, 8, [inc.proof[0]!, flipBit(inc.proof[1]!, 7), inc.proof[2]!]),
      /computed root [0-9a-f]{64} does not match/,
    ],
    ['the wrong leaf', { ...inclusion(5, 8, inc.proof), leafHash: LEAF_HASHES_HEX[4] }, /does not match/],
    ['the wrong root', { ...inclusion(5, 8, inc.proof), rootHash: ROOTS_HEX[7] }, /does not match/],
    ['index + 1', { ...inclusion(5, 8, inc.proof), leafIndex: 6 }, /does not match/],
    [
      'index = size',
      { ...inclusion(5, 8, inc.proof), leafIndex: 8 },
      /leaf index 8 is not below tree size 8/,
    ],
    ['a removed element', inclusion(5, 8, inc.proof.slice(1)), /proof has 2 hashes, expected 3/],
    ['an appended element', inclusion(5, 8, [...inc.proof, ROOTS_HEX[8]!]), /proof has 4 hashes, expected 3/],
    ['size × 2', { ...inclusion(5, 8, inc.proof), treeSize: 16 }, /expected 4/],
    [
      'a flipped element on the old tree’s border',
      consistency(3, 7, [...con.proof.slice(0, 2), flipBit(con.proof[2]!, 0), con.proof[3]!]),
      /computed root1/,
    ],
    [
      'a flipped element right of the old tree',
      consistency(3, 7, [con.proof[0]!, flipBit(con.proof[1]!, 0), ...con.proof.slice(2)]),
      /computed root2/,
    ],
    ['a wrong root2', { ...consistency(3, 7, con.proof), root2: ROOTS_HEX[8] }, /computed root2/],
    ['swapped sizes', consistency(7, 3, con.proof), /size1 7 is above size2 3/],
    ['equal sizes with a proof', consistency(7, 7, con.proof), /expected 0/],
    ['size1 = 0', { ...consistency(0, 7, []), root1: ROOTS_HEX[0] }, /from the empty tree is meaningless/],
  ];

  it.each(cases)('rejects %s', async (_, content, reason) => {
    const run = await verify(content);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^invalid: /);
    expect(run.stdout).toMatch(reason);
    expect(run.stderr).toBe('');
    const json = await verify(content, '--json');
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as { valid: boolean; reason: string };
    expect(out.valid).toBe(false);
    expect(out.reason).toMatch(reason);
    expect(Object.keys(out)).toEqual(['valid', 'reason']);
  });
});

describe('arca audit verify-proof: unreadable or malformed input exits 2', () => {
  const good = inclusion(0, 8, PUBLISHED_INCLUSION[1]!.proof);
  const cases: [string, unknown, RegExp][] = [
    ['not JSON', '{"type":', /not valid JSON/],
    ['an array', '[]', /a proof file is a JSON object/],
    ['null', 'null', /a proof file is a JSON object/],
    ['an unknown type', { ...good, type: 'audit' }, /unknown proof type "audit"/],
    ['no type', { leafIndex: 0 }, /unknown proof type undefined/],
    ['a missing field', { ...good, rootHash: undefined }, /missing "rootHash"/],
    ['an extra field', { ...good, note: 'x' }, /unexpected field "note"/],
    ['consistency fields in an inclusion proof', { ...good, size1: 1 }, /unexpected field "size1"/],
    ['a non-hex hash', { ...good, leafHash: 'z'.repeat(64) }, /"leafHash" is not hex/],
    [
      'a 31-byte hash',
      { ...good, rootHash: ROOTS_HEX[8]!.slice(2) },
      /"rootHash" must be 32 bytes \(64 hex digits\), got 62/,
    ],
    [
      'a 33-byte proof element',
      { ...good, proof: [...good.proof.slice(0, 2), good.proof[2] + '00'] },
      /"proof\[2\]" must be 32 bytes/,
    ],
    ['a number as hash', { ...good, leafHash: 1 }, /"leafHash" must be a hex string/],
    ['a proof that is not an array', { ...good, proof: good.proof[0] }, /"proof" must be an array/],
    ['a fractional size', { ...good, treeSize: 8.5 }, /"treeSize" must be a non-negative integer/],
    ['a negative index', { ...good, leafIndex: -1 }, /"leafIndex" must be a non-negative integer/],
    ['a size as a string', { ...good, treeSize: '8' }, /"treeSize" must be a non-negative integer/],
    [
      'an unsafe size',
      `{"type":"consistency","size1":1,"size2":9007199254740993,"root1":"${ROOTS_HEX[1]}","root2":"${ROOTS_HEX[8]}","proof":[]}`,
      /"size2" must be a non-negative integer/,
    ],
  ];

  it.each(cases)('rejects %s', async (_, content, message) => {
    const run = await verify(content);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    const json = await verify(content, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'BAD_USER_INPUT', message } });
  });

  it('rejects a missing file, a directory and non-UTF-8 bytes', async () => {
    const missing = await h.run(['audit', 'verify-proof', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`arca: cannot read ${join(dir, 'nope.json')}: no such file\n`);
    const directory = await h.run(['audit', 'verify-proof', dir, '--json']);
    expect(directory.code).toBe(2);
    expect(JSON.parse(directory.stdout)).toMatchObject({
      error: { code: 'USAGE', message: expect.stringMatching(/is a directory/) },
    });
    const binary = join(dir, 'binary.json');
    await writeFile(binary, Buffer.from([0x7b, 0xff, 0x7d]));
    const notText = await h.run(['audit', 'verify-proof', binary]);
    expect(notText.code).toBe(2);
    expect(notText.stderr).toMatch(/is not UTF-8 text/);
  });

  it('requires the file argument', async () => {
    const run = await h.run(['audit', 'verify-proof']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing required argument 'file'/);
  });

  it('documents the formats in --help', async () => {
    const run = await h.run(['audit', 'verify-proof', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('{"type":"inclusion","leafIndex":0,"treeSize":8');
    expect(run.stdout).toContain('{"type":"consistency","size1":6,"size2":8');
  });
});
