import { readFile, stat } from 'node:fs/promises';
import {
  HASH_SIZE,
  ProofError,
  hexToBytes,
  utf8Decode,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from '@arca/transparency';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { registerAuditLogCommands } from './audit-log.js';
import { CliError, VerdictPrinted } from '../errors.js';
import type { CliIo } from '../output.js';

/** Proof files are a few hundred bytes; anything this large is not one. */
const MAX_PROOF_FILE_BYTES = 1024 * 1024;

type ProofFile =
  | { type: 'inclusion'; leafIndex: number; treeSize: number; leafHash: Hash; rootHash: Hash; proof: Hash[] }
  | { type: 'consistency'; size1: number; size2: number; root1: Hash; root2: Hash; proof: Hash[] };

const FIELDS = {
  inclusion: ['type', 'leafIndex', 'treeSize', 'leafHash', 'rootHash', 'proof'],
  consistency: ['type', 'size1', 'size2', 'root1', 'root2', 'proof'],
} as const;

const PROOF_FORMATS = `
Proof files (hashes are hex SHA-256, sizes and indexes are integers):
  {"type":"inclusion","leafIndex":0,"treeSize":8,"leafHash":"…","rootHash":"…","proof":["…",…]}
  {"type":"consistency","size1":6,"size2":8,"root1":"…","root2":"…","proof":["…",…]}

Prints "valid" and exits 0, or prints why the proof is invalid and exits 1; unreadable or malformed input
exits 2. Only the proof is checked: take the sizes and roots from checkpoints you have verified.
`;

const malformed = (message: string): CliError => new CliError('BAD_USER_INPUT', message);

async function readStdin(io: CliIo): Promise<Uint8Array> {
  if (!io.stdin) throw new CliError('USAGE', 'no standard input to read the proof from');
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of io.stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    total += bytes.length;
    if (total > MAX_PROOF_FILE_BYTES) {
      throw malformed('standard input is too large for a proof file (1 MiB max)');
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
};

async function readFileBytes(file: string): Promise<Uint8Array> {
  const unreadable = (reason: string): CliError => new CliError('USAGE', `cannot read ${file}: ${reason}`);
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw unreadable('is a directory');
    if (info.size > MAX_PROOF_FILE_BYTES) {
      throw malformed(`${file} is too large for a proof file (1 MiB max)`);
    }
    return await readFile(file);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw unreadable(READ_ERRORS[(error as NodeJS.ErrnoException).code ?? ''] ?? (error as Error).message);
  }
}

async function readProofText(io: CliIo, file: string): Promise<string> {
  const bytes = file === '-' ? await readStdin(io) : await readFileBytes(file);
  try {
    return utf8Decode(bytes);
  } catch {
    throw malformed(`${file === '-' ? 'standard input' : file} is not UTF-8 text`);
  }
}

function integer(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw malformed(`"${field}" must be a non-negative integer`);
  }
  return value;
}

function hash(value: unknown, field: string): Hash {
  if (typeof value !== 'string') throw malformed(`"${field}" must be a hex string`);
  if (!/^[0-9a-fA-F]*$/.test(value)) throw malformed(`"${field}" is not hex`);
  if (value.length !== HASH_SIZE * 2) {
    throw malformed(
      `"${field}" must be ${HASH_SIZE} bytes (${HASH_SIZE * 2} hex digits), got ${value.length} digits`,
    );
  }
  return hexToBytes(value);
}

function hashList(record: Record<string, unknown>, field: string): Hash[] {
  const value = record[field];
  if (!Array.isArray(value)) throw malformed(`"${field}" must be an array of hex hashes`);
  return value.map((item, i) => hash(item, `${field}[${i}]`));
}

/** Validates the shape strictly (exact fields, types, hash lengths); the verifier judges the rest. */
export function parseProofFile(text: string): ProofFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(`not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('a proof file is a JSON object');
  }
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (type !== 'inclusion' && type !== 'consistency') {
    throw malformed(
      `unknown proof type ${JSON.stringify(type) ?? 'undefined'}: expected "inclusion" or "consistency"`,
    );
  }
  const fields: readonly string[] = FIELDS[type];
  const missing = fields.find((f) => !(f in record));
  if (missing) throw malformed(`${type} proof is missing "${missing}"`);
  const extra = Object.keys(record).find((f) => !fields.includes(f));
  if (extra) throw malformed(`unexpected field "${extra}" in ${type} proof`);
  return type === 'inclusion'
    ? {
        type,
        leafIndex: integer(record, 'leafIndex'),
        treeSize: integer(record, 'treeSize'),
        leafHash: hash(record.leafHash, 'leafHash'),
        rootHash: hash(record.rootHash, 'rootHash'),
        proof: hashList(record, 'proof'),
      }
    : {
        type,
        size1: integer(record, 'size1'),
        size2: integer(record, 'size2'),
        root1: hash(record.root1, 'root1'),
        root2: hash(record.root2, 'root2'),
        proof: hashList(record, 'proof'),
      };
}

/** null when the proof verifies, else why not. */
function checkProof(p: ProofFile): string | null {
  try {
    if (p.type === 'inclusion') verifyInclusion(p.leafHash, p.leafIndex, p.treeSize, p.proof, p.rootHash);
    else verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2);
    return null;
  } catch (error) {
    if (error instanceof ProofError) return error.message;
    throw error;
  }
}

async function verifyProof(ctx: CommandContext, file: string, options: { json?: boolean }): Promise<void> {
  const out = ctx.output(options);
  const proof = parseProofFile(await readProofText(ctx.io, file));
  const reason = checkProof(proof);
  if (reason === null) {
    out.result({ valid: true }, () => 'valid');
    return;
  }
  out.result({ valid: false, reason }, () => `invalid: ${reason}`);
  throw new VerdictPrinted();
}

export function registerAuditCommands(program: Command, ctx: CommandContext): void {
  const audit = program.command('audit').description('read and verify the tamper-evident audit log');
  audit
    .command('verify-proof')
    .description('verify an RFC 9162 inclusion or consistency proof from a JSON file, offline')
    .argument('<file>', 'proof file, or - to read standard input')
    .option('--json', 'machine-readable output')
    .addHelpText('after', PROOF_FORMATS)
    .action((file: string, options: { json?: boolean }) => verifyProof(ctx, file, options));
  registerAuditLogCommands(audit, ctx);
}
