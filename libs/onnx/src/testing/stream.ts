import { onnx } from '../generated/onnx.js';
import { FLOAT, INT64, prng, randomFloats, valueInfo } from './models.js';

/**
 * A large model produced in chunks, never whole in memory: an embedding lookup (Gather over a float32
 * table [rows, cols] with int64 ids [n]) whose table is about `targetBytes` long. The small protobuf parts
 * come from the generated encoder; the length prefixes around the table are computed, so the concatenated
 * chunks are byte-identical to `ModelProto.encode()` of the same model. The table repeats one 1 MiB pattern.
 */
export interface ModelStream {
  /** Exact size of the encoded model. */
  readonly byteLength: number;
  readonly rows: number;
  readonly cols: number;
  /** A fresh iteration over the encoded bytes (chunks may share memory: do not mutate them). */
  chunks(): Iterable<Uint8Array>;
  /** The same bytes as an async stream. */
  stream(): AsyncIterable<Uint8Array>;
}

export interface ModelStreamOptions {
  cols?: number;
  /** Size of the raw_data chunks (rounded down to whole floats). Default 1 MiB. */
  chunkBytes?: number;
  seed?: number;
}

const WIRE_LEN = 2;
const tag = (field: number): number => (field << 3) | WIRE_LEN;

export function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** A length-delimited field header: tag byte(s) + length varint. */
function header(field: number, length: number): Uint8Array {
  return Uint8Array.from([...varint(tag(field)), ...varint(length)]);
}

export function modelStream(targetBytes: number, options: ModelStreamOptions = {}): ModelStream {
  const cols = options.cols ?? 256;
  const rowBytes = cols * 4;
  const rows = Math.max(1, Math.floor((targetBytes - 512) / rowBytes));
  const rawLength = rows * rowBytes;
  if (rawLength + 1024 > 2 ** 31 - 1) throw new RangeError('a protobuf model must stay below 2 GiB');
  const chunkBytes = Math.max(4, Math.floor((options.chunkBytes ?? 1 << 20) / 4) * 4);
  const pattern = randomFloats(Math.min(chunkBytes, rawLength) / 4, prng(options.seed ?? 7));

  // The encoder writes fields in field-number order. ModelProto: ir_version (1), producer_name (2), graph (7),
  // opset_import (8).
  const modelHead = onnx.ModelProto.encode({ irVersion: 10, producerName: 'arca-testing-stream' }).finish();
  const modelTail = onnx.ModelProto.encode({ opsetImport: [{ domain: '', version: 21 }] }).finish();
  // GraphProto: node (1), name (2), initializer (5), input (11), output (12).
  const graphHead = onnx.GraphProto.encode({
    name: 'embedding',
    node: [{ name: 'lookup', opType: 'Gather', input: ['table', 'ids'], output: ['vectors'] }],
  }).finish();
  const graphTail = onnx.GraphProto.encode({
    input: [valueInfo('ids', INT64, ['n'])],
    output: [valueInfo('vectors', FLOAT, ['n', cols])],
  }).finish();
  // TensorProto: dims (1), data_type (2), name (8), raw_data (9).
  const tensorHead = onnx.TensorProto.encode({ name: 'table', dims: [rows, cols], dataType: FLOAT }).finish();
  const rawHeader = header(9, rawLength);
  const tensorLength = tensorHead.length + rawHeader.length + rawLength;
  const initializerHeader = header(5, tensorLength);
  const graphLength = graphHead.length + initializerHeader.length + tensorLength + graphTail.length;
  const graphHeader = header(7, graphLength);
  const byteLength = modelHead.length + graphHeader.length + graphLength + modelTail.length;

  function* chunks(): Generator<Uint8Array> {
    yield concat([modelHead, graphHeader, graphHead, initializerHeader, tensorHead, rawHeader]);
    for (let done = 0; done < rawLength; done += pattern.length) {
      yield rawLength - done >= pattern.length ? pattern : pattern.subarray(0, rawLength - done);
    }
    yield concat([graphTail, modelTail]);
  }
  return {
    byteLength,
    rows,
    cols,
    chunks,
    async *stream() {
      for (const chunk of chunks()) {
        yield chunk;
        await Promise.resolve();
      }
    },
  };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * `model` padded to exactly `size` bytes with a ModelProto doc_string (field 6) appended: still a valid model,
 * for tests that need exact sizes (segment boundaries).
 */
export function paddedModel(model: Uint8Array, size: number): Uint8Array {
  for (let lengthBytes = 1; lengthBytes <= 5; lengthBytes++) {
    const n = size - model.length - 1 - lengthBytes;
    if (n >= 0 && varint(n).length === lengthBytes) {
      return concat([model, Uint8Array.of(tag(6)), varint(n), new Uint8Array(n).fill(0x61)]);
    }
  }
  throw new RangeError(`cannot pad a ${model.length}-byte model to ${size} bytes`);
}
