// credentials.json: { server, apiKey }. Directory 0700, file 0600 owned by the current user, written atomically.
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';

export interface Credentials {
  server: string;
  apiKey: string;
}

const FILE_NAME = 'credentials.json';
const MAX_BYTES = 64 * 1024;
const POSIX = process.platform !== 'win32';

export function credentialsPath(configDir: string): string {
  return join(configDir, FILE_NAME);
}

const isErrno = (error: unknown, code: string): boolean =>
  (error as NodeJS.ErrnoException | null)?.code === code;
const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0');

function assertPrivate(path: string, info: Stats): void {
  if (!info.isFile()) {
    throw new CliError('INSECURE_CREDENTIALS', `${path} is not a regular file; refusing to read it`);
  }
  if (!POSIX) return;
  if (info.uid !== process.getuid?.()) {
    throw new CliError('INSECURE_CREDENTIALS', `${path} is owned by another user; refusing to read it`);
  }
  if (info.mode & 0o077) {
    throw new CliError(
      'INSECURE_CREDENTIALS',
      `${path} is accessible by other users (mode ${octal(info.mode)}); refusing to use it. ` +
        `Run "chmod 600 ${path}" if you trust it, otherwise revoke the key and run "arca login" again`,
    );
  }
}

/** The stored credentials, or null when there are none. Refuses files other users could read or write. */
export async function loadCredentials(configDir: string): Promise<Credentials | null> {
  const path = credentialsPath(configDir);
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    if (isErrno(error, 'ELOOP')) {
      throw new CliError('INSECURE_CREDENTIALS', `${path} is a symbolic link; refusing to read it`);
    }
    throw error;
  }
  try {
    const info = await handle.stat();
    assertPrivate(path, info);
    if (info.size > MAX_BYTES) {
      throw new CliError('CORRUPT_CREDENTIALS', `${path} is too large to be a credentials file`);
    }
    return parseCredentials(path, await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

function parseCredentials(path: string, text: string): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const record = value as Partial<Credentials> | undefined;
  if (typeof record?.server !== 'string' || typeof record.apiKey !== 'string') {
    throw new CliError(
      'CORRUPT_CREDENTIALS',
      `${path} is not a valid credentials file; run "arca login" again`,
    );
  }
  return { server: record.server, apiKey: record.apiKey };
}

/** Creates the directory (0700) if needed and replaces the file atomically (temp file 0600 + rename). */
export async function saveCredentials(configDir: string, credentials: Credentials): Promise<string> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const dirInfo = await stat(configDir);
  if (POSIX && dirInfo.mode & 0o077 && dirInfo.uid === process.getuid?.()) await chmod(configDir, 0o700);
  const path = credentialsPath(configDir);
  const temp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(credentials, null, 2) + '\n', 'utf8');
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return path;
}

/** Removes the stored credentials; false when there were none. */
export async function deleteCredentials(configDir: string): Promise<boolean> {
  try {
    await unlink(credentialsPath(configDir));
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}
