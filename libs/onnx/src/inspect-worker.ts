// The inspector process (spawned by inspector.ts; run from dist/inspect-worker.js). It reads the plaintext
// model from stdin into memory (never a file), validates it with inspectOnnx, creates an onnxruntime session
// from the buffer, releases it, writes one JSON line (WorkerResult) to stdout and exits. A native crash here
// kills this process only.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { OnnxValidationError } from './errors.js';
import { inspectOnnx } from './inspect.js';
import { loadInRuntime } from './runtime-check.js';
import type { WorkerArgs, WorkerResult } from './worker-protocol.js';

async function readStdin(maxBytes: number, expectedBytes: number | undefined): Promise<Buffer> {
  const tooLarge = (): OnnxValidationError =>
    new OnnxValidationError('TOO_LARGE', `The model is larger than the limit of ${maxBytes} bytes.`);
  if (expectedBytes !== undefined) {
    if (expectedBytes > maxBytes) throw tooLarge();
    const buffer = Buffer.allocUnsafeSlow(expectedBytes);
    let offset = 0;
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      if (offset + chunk.length > expectedBytes) throw tooLarge();
      chunk.copy(buffer, offset);
      offset += chunk.length;
    }
    if (offset !== expectedBytes) {
      throw new OnnxValidationError(
        'TRUNCATED',
        `The upload has ${offset} bytes but ${expectedBytes} were announced: it is incomplete.`,
      );
    }
    return buffer;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

async function inspect(args: WorkerArgs): Promise<WorkerResult> {
  const bytes = await readStdin(args.maxBytes, args.expectedBytes);
  const summary = inspectOnnx(bytes, args.policy);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // External weights are never available to the registry: such a model cannot be loaded, only recorded.
  if (summary.externalData.length === 0) {
    await loadInRuntime(bytes);
    summary.runtimeVerified = true;
  }
  return { ok: true, summary: { ...summary, sha256 } };
}

/** Make this process, not the server, the kernel's first choice when memory runs out (Linux; best effort). */
function preferOomKill(): void {
  try {
    writeFileSync('/proc/self/oom_score_adj', '1000');
  } catch {
    // not Linux, or not permitted
  }
}

async function main(): Promise<void> {
  preferOomKill();
  let result: WorkerResult;
  try {
    result = await inspect(JSON.parse(process.argv[2] ?? '{}') as WorkerArgs);
  } catch (err) {
    result =
      err instanceof OnnxValidationError
        ? { ok: false, code: err.code, message: err.message }
        : { ok: false, code: 'RUNTIME_CRASHED', message: 'The model inspector failed unexpectedly.' };
    if (!(err instanceof OnnxValidationError)) process.stderr.write(`${String(err)}\n`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

void main();
