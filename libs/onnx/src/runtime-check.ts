// Loads a model in onnxruntime-node. Imported only by the inspector process (inspect-worker.ts): the server
// process never creates a session for an unvalidated upload.
import * as ort from 'onnxruntime-node';
import { OnnxValidationError } from './errors.js';

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  // Loading resolves every kernel and checks types and shapes; optimising the graph adds nothing to that.
  graphOptimizationLevel: 'disabled',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  enableCpuMemArena: false,
  enableMemPattern: false,
  logSeverityLevel: 3,
};

export interface RuntimeView {
  inputNames: readonly string[];
  outputNames: readonly string[];
}

/** Creates and releases an InferenceSession from memory; a refusal becomes RUNTIME_LOAD_FAILED. */
export async function loadInRuntime(bytes: Uint8Array): Promise<RuntimeView> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (err) {
    throw new OnnxValidationError(
      'RUNTIME_LOAD_FAILED',
      `onnxruntime ${ort.env.versions.node ?? ''} could not load the model: ${ortReason(err)}`,
    );
  }
  try {
    return { inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
  } finally {
    await session.release();
  }
}

/** ORT messages start with a source path and a C++ signature; keep the sentence after them. */
export function ortReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const withoutPath = text.replace(/^\s*\S+\.(?:cc|cpp|h):\d+\s+/, '');
  const signatureEnd = withoutPath.search(/\)\s+[A-Z]/);
  const reason =
    signatureEnd >= 0 && withoutPath.startsWith('onnxruntime::')
      ? withoutPath.slice(signatureEnd + 1)
      : withoutPath;
  return reason.trim().slice(0, 300);
}
