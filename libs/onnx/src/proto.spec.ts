import { describe, expect, it } from 'vitest';
import { OnnxValidationError } from './errors.js';
import { asBuffer, decodeModel, int64ToNumber, onnx } from './proto.js';
import {
  absurdDimensionModel,
  buildLocalFunctionModel,
  buildMlp,
  concat,
  encodeModel,
  externalDataModel,
  ifModel,
  manyNodesModel,
  modelStream,
  nestedIfModel,
  prng,
  randomFloats,
  unknownDomainModel,
  unknownFieldModel,
} from './testing/index.js';

const corpus: [string, () => Uint8Array][] = [
  ['mlp', () => buildMlp({ inputSize: 10, hidden: [20, 20], outputs: 5, seed: 1 })],
  [
    'mlp opset 26 / IR 13',
    () => buildMlp({ inputSize: 3, hidden: [], outputs: 2, opset: 26, irVersion: 13 }),
  ],
  ['local function', buildLocalFunctionModel],
  ['If subgraphs', () => encodeModel(ifModel('com.acme'))],
  ['nested If', () => nestedIfModel(10)],
  ['chain', () => manyNodesModel(100)],
  ['external data', () => externalDataModel()],
  ['unknown domain', () => unknownDomainModel()],
  ['absurd dimension', () => absurdDimensionModel()],
  ['streamed', () => concat([...modelStream(1 << 20, { chunkBytes: 4096 }).chunks()])],
];

describe('decode → encode round trip (pinned IR 13 schema)', () => {
  it.each(corpus)('is byte-identical for %s', (_name, build) => {
    const bytes = build();
    const reencoded = onnx.ModelProto.encode(decodeModel(bytes)).finish();
    expect(Buffer.from(reencoded).equals(Buffer.from(bytes))).toBe(true);
  });

  it('the streamed fixture is exactly what the encoder writes for the same model', () => {
    const stream = modelStream(3 << 20, { chunkBytes: 1000 });
    const bytes = concat([...stream.chunks()]);
    expect(bytes.length).toBe(stream.byteLength);
    const model = decodeModel(bytes);
    expect(model.graph?.initializer?.[0]?.rawData?.length).toBe(stream.rows * stream.cols * 4);
    expect(Buffer.from(encodeModel(model)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('rejects unknown fields that a plain decode silently drops', () => {
    for (const where of ['model', 'node'] as const) {
      const bytes = unknownFieldModel(where);
      const lenient = onnx.ModelProto.encode(onnx.ModelProto.decode(bytes)).finish();
      expect(lenient.length).toBeLessThan(bytes.length); // the field is lost without a word
      expect(() => decodeModel(bytes)).toThrow(OnnxValidationError);
    }
  });
});

describe('decoded values', () => {
  it('keeps raw_data as an unaligned zero-copy view; read it with DataView', () => {
    const bytes = buildMlp({ inputSize: 3, hidden: [], outputs: 2, seed: 11 });
    const weight = decodeModel(bytes).graph?.initializer?.[0];
    const raw = weight?.rawData;
    if (!raw) throw new Error('no raw_data');
    expect(raw.buffer).toBe(asBuffer(bytes).buffer);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const expected = new Float32Array(randomFloats(6, prng(11), 1 / Math.sqrt(3)).buffer);
    expect(Array.from({ length: 6 }, (_, i) => view.getFloat32(i * 4, true))).toEqual(Array.from(expected));
  });

  it('turns int64 values into numbers only when exact', () => {
    const model = decodeModel(buildMlp({ inputSize: 3, hidden: [], outputs: 2 }));
    expect(int64ToNumber(model.irVersion)).toBe(10);
    expect(int64ToNumber(model.graph?.initializer?.[0]?.dims?.[1])).toBe(3);
    const huge = onnx.ModelProto.decode(encodeModel({ irVersion: 2 ** 60 }));
    expect(int64ToNumber(huge.irVersion)).toBeNull();
    expect(int64ToNumber(-(2 ** 53))).toBeNull();
  });
});
