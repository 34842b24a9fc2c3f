import protobuf from 'protobufjs/minimal.js';
import { OnnxValidationError } from './errors.js';
import { onnx } from './generated/onnx.js';
import { PINNED_IR_VERSION } from './policy.js';

export { onnx };

/** Anything protobufjs decodes an int64 into: a number or a Long (`long` package). */
export type Int64 = number | { toNumber(): number; toString(): string; high: number; low: number };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An int64 as a number, or null when it does not fit exactly (|v| > 2^53 − 1): never a silent rounding. */
export function int64ToNumber(value: Int64 | null | undefined): number | null {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  const big = BigInt(value.toString());
  return big > MAX_SAFE || big < -MAX_SAFE ? null : Number(big);
}

class UnknownFieldError extends Error {
  constructor(
    readonly fieldNumber: number,
    readonly wireType: number,
  ) {
    super(`field ${fieldNumber} (wire type ${wireType})`);
  }
}

/**
 * A reader that refuses what the schema does not know. Generated decoders call skipType() for every field
 * number they do not recognise and for known numbers with the wrong wire type; protobufjs would otherwise keep
 * the bytes in `$unknowns` (or drop them) without telling anyone.
 */
class StrictReader extends protobuf.BufferReader {
  override skipType(wireType: number, _depth?: number, fieldNumber?: number): this {
    throw new UnknownFieldError(fieldNumber ?? -1, wireType);
  }
}

/** A Buffer view over the same memory (no copy): BufferReader needs Buffer methods. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes a ModelProto with the pinned schema. Tensor raw_data fields stay zero-copy views into `bytes`
 * (unaligned: read them with DataView, never `new Float32Array(raw.buffer, raw.byteOffset)`).
 */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  const reader = new StrictReader(asBuffer(bytes));
  try {
    return onnx.ModelProto.decode(reader);
  } catch (err) {
    throw decodeError(err, bytes[0] === IR_VERSION_TAG);
  }
}

// Every ONNX writer puts ir_version (field 1, varint) first; a failing file that does not start with it is
// reported as "not ONNX" rather than by the first oddity the decoder happened to meet.
const IR_VERSION_TAG = 0x08;

function decodeError(err: unknown, looksLikeOnnx: boolean): OnnxValidationError {
  if (!looksLikeOnnx) {
    return new OnnxValidationError(
      'NOT_ONNX',
      'The file is not an ONNX model (it does not start with an ir_version field).',
    );
  }
  if (err instanceof UnknownFieldError) {
    return new OnnxValidationError(
      'UNKNOWN_FIELD',
      `The model contains ${err.message}, which the ONNX IR ${PINNED_IR_VERSION} schema does not define ` +
        '(a newer ONNX version, or not an ONNX file); it is rejected rather than silently dropped.',
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('max depth exceeded') || message.includes('call stack')) {
    return new OnnxValidationError(
      'TOO_DEEP',
      'The model nests protobuf messages more than 100 levels deep.',
    );
  }
  if (message.includes('index out of range')) {
    return new OnnxValidationError(
      'TRUNCATED',
      'The file ends in the middle of a protobuf field: the upload is incomplete or the file is corrupt.',
    );
  }
  if (message.includes('UTF')) {
    return new OnnxValidationError(
      'NOT_ONNX',
      'The file is not an ONNX model: a text field is not valid UTF-8.',
    );
  }
  return new OnnxValidationError(
    'NOT_ONNX',
    `The file is not an ONNX model (protobuf decoding failed: ${message.slice(0, 80)}).`,
  );
}

interface DataTypeInfo {
  readonly name: string;
  /** Bits per element in raw_data; 0 for STRING (no raw form). */
  readonly bits: number;
}

const D = onnx.TensorProto.DataType;

/** Every TensorProto.DataType of the pinned schema with its packed width (UNDEFINED excluded). */
export const DATA_TYPES: ReadonlyMap<number, DataTypeInfo> = new Map(
  (
    [
      [D.FLOAT, 32],
      [D.UINT8, 8],
      [D.INT8, 8],
      [D.UINT16, 16],
      [D.INT16, 16],
      [D.INT32, 32],
      [D.INT64, 64],
      [D.STRING, 0],
      [D.BOOL, 8],
      [D.FLOAT16, 16],
      [D.DOUBLE, 64],
      [D.UINT32, 32],
      [D.UINT64, 64],
      [D.COMPLEX64, 64],
      [D.COMPLEX128, 128],
      [D.BFLOAT16, 16],
      [D.FLOAT8E4M3FN, 8],
      [D.FLOAT8E4M3FNUZ, 8],
      [D.FLOAT8E5M2, 8],
      [D.FLOAT8E5M2FNUZ, 8],
      [D.UINT4, 4],
      [D.INT4, 4],
      [D.FLOAT4E2M1, 4],
      [D.FLOAT8E8M0, 8],
      [D.UINT2, 2],
      [D.INT2, 2],
    ] as const
  ).map(([type, bits]) => [type, { name: D[type], bits }]),
);

const COMPLEX: ReadonlySet<number> = new Set([D.COMPLEX64, D.COMPLEX128]);

/** The number of values a typed `*_data` field must hold for `elements` elements of `dataType`. */
export function typedFieldCount(dataType: number, elements: number): number {
  const bits = DATA_TYPES.get(dataType)?.bits ?? 0;
  if (COMPLEX.has(dataType)) return elements * 2;
  if (bits === 4) return Math.ceil(elements / 2);
  if (bits === 2) return Math.ceil(elements / 4);
  return elements;
}
