/**
 * Stable reasons why an uploaded model is rejected. They are persisted with a `failed` version and shown to
 * users, so never rename one; add new codes instead.
 *
 * | code | meaning |
 * |---|---|
 * | EMPTY_FILE | 0 bytes |
 * | TOO_LARGE | more bytes than the limit (`maxBytes`, and never more than the 2 GiB protobuf limit) |
 * | NOT_ONNX | not a protobuf ModelProto: bad wire format, invalid UTF-8, no ir_version or graph |
 * | TRUNCATED | the protobuf ends inside a field (an incomplete upload) |
 * | UNKNOWN_FIELD | a field number, wire type or enum value that the pinned ONNX IR 13 schema does not define |
 * | IR_VERSION_UNSUPPORTED | ir_version outside 3..13 (newer than the pinned schema and the runtime) |
 * | OPSET_UNSUPPORTED | an opset import newer than the runtime supports (ai.onnx > 26, ai.onnx.ml > 5) or invalid |
 * | EXTERNAL_DATA | a tensor stored outside the file, when the policy does not allow it, or an unsafe location |
 * | UNKNOWN_DOMAIN | an operator domain that is neither a default, allowed by the tenant, nor a model-local function |
 * | ABSURD_DIMENSION | a negative or huge dimension, or a tensor with more elements than the limit |
 * | TENSOR_DATA_MISMATCH | a tensor whose stored data does not match its declared shape and type |
 * | TOO_MANY_NODES | more nodes (all graphs and functions) than the limit |
 * | TOO_DEEP | subgraphs (If/Loop/Scan bodies) or protobuf messages nested deeper than the limit |
 * | RUNTIME_LOAD_FAILED | onnxruntime refused to create a session from the model |
 * | RUNTIME_CRASHED | the inspector process died (signal, abnormal exit, unreadable output) |
 * | OUT_OF_MEMORY | the inspector process ran out of memory |
 * | TIMEOUT | the inspection did not finish in time; the process was killed |
 */
export const ONNX_ERROR_CODES = [
  'EMPTY_FILE',
  'TOO_LARGE',
  'NOT_ONNX',
  'TRUNCATED',
  'UNKNOWN_FIELD',
  'IR_VERSION_UNSUPPORTED',
  'OPSET_UNSUPPORTED',
  'EXTERNAL_DATA',
  'UNKNOWN_DOMAIN',
  'ABSURD_DIMENSION',
  'TENSOR_DATA_MISMATCH',
  'TOO_MANY_NODES',
  'TOO_DEEP',
  'RUNTIME_LOAD_FAILED',
  'RUNTIME_CRASHED',
  'OUT_OF_MEMORY',
  'TIMEOUT',
] as const;

export type OnnxErrorCode = (typeof ONNX_ERROR_CODES)[number];

export function isOnnxErrorCode(value: unknown): value is OnnxErrorCode {
  return typeof value === 'string' && (ONNX_ERROR_CODES as readonly string[]).includes(value);
}

/** The model is not acceptable. `message` is for humans, bounded in length, and never echoes model bytes. */
export class OnnxValidationError extends Error {
  override readonly name = 'OnnxValidationError';

  constructor(
    readonly code: OnnxErrorCode,
    message: string,
  ) {
    super(clip(message));
  }
}

const MAX_MESSAGE = 500;

/** Bounds a message (and any text quoted from the model) so that errors stay small. */
export function clip(text: string, max = MAX_MESSAGE): string {
  // eslint-disable-next-line no-control-regex -- strip control characters that may come from model strings
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** Quotes a name taken from the model: bounded, control characters removed. */
export function quote(name: string): string {
  return JSON.stringify(clip(name, 80));
}
