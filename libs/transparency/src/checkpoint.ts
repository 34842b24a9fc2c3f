// C2SP tlog-checkpoint: the signed body "origin\nsize\nbase64(root)\n" plus optional extension lines.
import { base64Decode, base64Encode, isSafeIndex } from './bytes.js';
import { HASH_SIZE, type Hash } from './hash.js';
import { checkNoteText, NoteError, openNote, type NoteVerifier } from './note.js';

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Hash;
  extensions: string[];
}

function checkLine(line: string, what: string): void {
  if (line === '' || line.includes('\n')) {
    throw new NoteError(`checkpoint ${what} must be one non-empty line`);
  }
  checkNoteText(line, `checkpoint ${what}`);
}

/** The checkpoint body, ending in "\n"; throws NoteError on an invalid field. */
export function formatCheckpoint(c: Checkpoint): string {
  checkLine(c.origin, 'origin');
  if (!isSafeIndex(c.size)) throw new NoteError('checkpoint size must be a safe non-negative integer');
  if (!(c.rootHash instanceof Uint8Array) || c.rootHash.length !== HASH_SIZE) {
    throw new NoteError(`checkpoint root must be ${HASH_SIZE} bytes`);
  }
  c.extensions.forEach((e) => checkLine(e, 'extension'));
  return [c.origin, String(c.size), base64Encode(c.rootHash), ...c.extensions].map((l) => `${l}\n`).join('');
}

/** Parses a checkpoint body strictly (canonical decimal size, 32-byte base64 root); throws NoteError. */
export function parseCheckpoint(body: string): Checkpoint {
  checkNoteText(body, 'checkpoint');
  if (!body.endsWith('\n')) throw new NoteError('checkpoint must end with a newline');
  const [origin, sizeText, rootText, ...extensions] = body.slice(0, -1).split('\n');
  if (rootText === undefined) throw new NoteError('checkpoint needs origin, size and root lines');
  if (origin === '') throw new NoteError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText!)) {
    throw new NoteError('checkpoint size is not a decimal number without leading zeros');
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new NoteError('checkpoint size is too large');
  let rootHash: Hash;
  try {
    rootHash = base64Decode(rootText);
  } catch (error) {
    throw new NoteError(`checkpoint root: ${(error as Error).message}`);
  }
  if (rootHash.length !== HASH_SIZE) throw new NoteError(`checkpoint root is not ${HASH_SIZE} bytes`);
  if (extensions.includes('')) throw new NoteError('checkpoint has an empty extension line');
  return { origin: origin!, size, rootHash, extensions };
}

/**
 * Opens a signed checkpoint of a pinned log: the log key's signature must be present and valid, the origin
 * must be `origin` (by default the log key's name), and any other known key (e.g. a witness) must verify too.
 */
export function openCheckpoint(
  text: string,
  log: NoteVerifier,
  options: { origin?: string; witnesses?: readonly NoteVerifier[] } = {},
): Checkpoint & { verifiedBy: string[] } {
  const { body, verifiedBy } = openNote(text, [log, ...(options.witnesses ?? [])]);
  if (!verifiedBy.includes(log.name)) {
    throw new NoteError(`checkpoint is not signed by the log key ${log.name}`);
  }
  const checkpoint = parseCheckpoint(body);
  const origin = options.origin ?? log.name;
  if (checkpoint.origin !== origin) {
    throw new NoteError(`checkpoint origin "${checkpoint.origin}" is not the expected "${origin}"`);
  }
  return { ...checkpoint, verifiedBy };
}
