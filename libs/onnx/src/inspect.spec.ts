import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ONNX_ERROR_CODES, OnnxValidationError, type OnnxErrorCode } from './errors.js';
import { inspectOnnx } from './inspect.js';
import type { OnnxPolicy } from './policy.js';
import {
  absurdDimensionModel,
  absurdInputShapeModel,
  buildLocalFunctionModel,
  buildMlp,
  emptyFile,
  encodeModel,
  externalDataModel,
  ifModel,
  irVersionModel,
  manyNodesModel,
  mlpParameterCount,
  modelStream,
  nestedIfModel,
  opsetModel,
  randomBytes,
  tensorDataMismatchModel,
  truncatedModel,
  unknownDomainModel,
  unknownFieldModel,
  concat,
  FLOAT,
  INT64,
} from './testing/index.js';

function rejection(bytes: Uint8Array, policy?: OnnxPolicy): OnnxValidationError {
  try {
    inspectOnnx(bytes, policy);
  } catch (err) {
    if (err instanceof OnnxValidationError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const MLP = { inputSize: 16, hidden: [32, 8], outputs: 4, seed: 5 };

describe('inspectOnnx: valid models', () => {
  it('summarises an MLP exactly as onnxruntime sees it', async () => {
    const bytes = buildMlp(MLP);
    const summary = inspectOnnx(bytes);
    expect(summary).toMatchObject({
      irVersion: 10,
      opsetImports: [{ domain: '', version: 21 }],
      producerName: 'arca-testing',
      graphName: 'mlp',
      inputs: [{ name: 'input', kind: 'tensor', elementType: 'FLOAT', shape: ['batch', 16] }],
      outputs: [{ name: 'logits', kind: 'tensor', elementType: 'FLOAT', shape: ['batch', 4] }],
      parameterCount: mlpParameterCount(MLP),
      initializerCount: 6,
      nodeCount: 5,
      totalNodeCount: 5,
      operatorDomains: [''],
      externalData: [],
      byteLength: bytes.length,
      runtimeVerified: false,
    });
    const session = await ort.InferenceSession.create(bytes);
    try {
      expect(session.inputNames).toEqual(summary.inputs.map((i) => i.name));
      expect(session.outputNames).toEqual(summary.outputs.map((o) => o.name));
      const [meta] = session.inputMetadata;
      expect(meta).toMatchObject({ name: 'input', isTensor: true, type: 'float32', shape: ['batch', 16] });
      const out = await session.run({
        input: new ort.Tensor('float32', new Float32Array(32).fill(0.5), [2, 16]),
      });
      expect(out['logits']?.dims).toEqual([2, 4]);
    } finally {
      await session.release();
    }
  });

  it('accepts a model-local function in its own domain and walks its body', async () => {
    const bytes = buildLocalFunctionModel();
    const summary = inspectOnnx(bytes);
    expect(summary.functionCount).toBe(1);
    expect(summary.operatorDomains).toEqual(['', 'com.acme']);
    expect(summary.totalNodeCount).toBe(3);
    const session = await ort.InferenceSession.create(bytes);
    await session.release();
  });

  it('walks If subgraphs and reports non-tensor and initializer-backed inputs like onnxruntime', () => {
    const summary = inspectOnnx(encodeModel(ifModel()));
    expect(summary.totalNodeCount).toBe(3);
    expect(summary.inputs.map((i) => [i.name, i.elementType, i.shape])).toEqual([
      ['cond', 'BOOL', []],
      ['x', 'FLOAT', [2]],
    ]);
  });

  it('counts sparse initializers and typed-field tensors', () => {
    const bytes = encodeModel({
      irVersion: 10,
      opsetImport: [{ domain: '', version: 21 }],
      graph: {
        name: 'sparse',
        node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
        initializer: [{ name: 'ints', dims: [3], dataType: INT64, int64Data: [1, 2, 3] }],
        sparseInitializer: [
          {
            dims: [10, 10],
            values: { name: 's', dims: [2], dataType: FLOAT, floatData: [1, 2] },
            indices: { name: 's.idx', dims: [2], dataType: INT64, int64Data: [3, 57] },
          },
        ],
        input: [{ name: 'x', type: { sequenceType: { elemType: { tensorType: { elemType: FLOAT } } } } }],
        output: [
          {
            name: 'y',
            type: { mapType: { keyType: INT64, valueType: { tensorType: { elemType: FLOAT } } } },
          },
        ],
      },
    });
    const summary = inspectOnnx(bytes);
    expect(summary.parameterCount).toBe(5);
    expect(summary.initializerCount).toBe(2);
    expect(summary.inputs[0]).toEqual({
      name: 'x',
      kind: 'sequence',
      elementType: 'seq(tensor(FLOAT))',
      shape: null,
    });
    expect(summary.outputs[0]?.elementType).toBe('map(INT64,tensor(FLOAT))');
  });

  it('parses a streamed model without copying its weights', () => {
    const stream = modelStream(4 << 20, { chunkBytes: 64 << 10 });
    const bytes = concat([...stream.chunks()]);
    expect(bytes.length).toBe(stream.byteLength);
    const summary = inspectOnnx(bytes);
    expect(summary.parameterCount).toBe(stream.rows * stream.cols);
    expect(summary.outputs[0]?.shape).toEqual(['n', stream.cols]);
  });

  it('lists external data when the policy allows it, with safe plain file names only', () => {
    const summary = inspectOnnx(externalDataModel('weights.bin'), { allowExternalData: true });
    expect(summary.externalData).toEqual([
      { tensor: 'fc0.weight', location: 'weights.bin', offset: 0, length: 128 },
    ]);
    for (const location of [
      '/etc/passwd',
      '../secrets.bin',
      'dir/w.bin',
      'dir\\w.bin',
      'C:w.bin',
      '..',
      '',
    ]) {
      const err = rejection(externalDataModel(location), { allowExternalData: true });
      expect(err.code).toBe('EXTERNAL_DATA');
      expect(err.message).toMatch(/unsafe external data location/);
    }
  });

  it('accepts a tenant-allowed domain', () => {
    expect(
      inspectOnnx(unknownDomainModel('com.acme'), { allowedDomains: ['com.acme'] }).operatorDomains,
    ).toEqual(['', 'com.acme']);
  });
});

const rejections: [OnnxErrorCode, () => Uint8Array, RegExp, OnnxPolicy?][] = [
  ['EMPTY_FILE', emptyFile, /empty/],
  ['TOO_LARGE', () => buildMlp(MLP), /limit is 1000/, { limits: { maxBytes: 1000 } }],
  ['NOT_ONNX', () => randomBytes(4096), /not an ONNX model/],
  ['NOT_ONNX', () => new TextEncoder().encode('{"not": "onnx"}\n'), /not an ONNX model/],
  ['NOT_ONNX', () => encodeModel({ irVersion: 10, opsetImport: [{ domain: '', version: 21 }] }), /no graph/],
  ['TRUNCATED', () => truncatedModel(), /ends in the middle/],
  ['UNKNOWN_FIELD', () => unknownFieldModel('model'), /field 99/],
  ['UNKNOWN_FIELD', () => unknownFieldModel('node', 42), /field 42/],
  ['IR_VERSION_UNSUPPORTED', () => irVersionModel(14), /IR version 14.*3 to 13/],
  ['IR_VERSION_UNSUPPORTED', () => irVersionModel(2 ** 60), /IR version/],
  ['OPSET_UNSUPPORTED', () => opsetModel(27), /opset 27.*up to 26/],
  ['OPSET_UNSUPPORTED', () => opsetModel(6, 'ai.onnx.ml'), /opset 6.*up to 5/],
  ['EXTERNAL_DATA', () => externalDataModel(), /external file \("weights.bin"\)/],
  ['UNKNOWN_DOMAIN', () => unknownDomainModel('com.acme'), /"com\.acme"/],
  ['UNKNOWN_DOMAIN', () => unknownDomainModel('com.evil', 'subgraph'), /"com\.evil"/],
  ['ABSURD_DIMENSION', () => absurdDimensionModel(), /dimension of 1099511627776/],
  ['ABSURD_DIMENSION', () => absurdInputShapeModel(), /dimension of 1099511627776/],
  [
    'ABSURD_DIMENSION',
    () => absurdDimensionModel(2 ** 30),
    /more than 1000000 elements/,
    { limits: { maxTensorElements: 1e6 } },
  ],
  ['TENSOR_DATA_MISMATCH', () => absurdDimensionModel(2 ** 20), /stores 16 bytes \(expected 4194304\)/],
  ['TENSOR_DATA_MISMATCH', () => tensorDataMismatchModel(), /stores 124 bytes \(expected 128\)/],
  ['TOO_MANY_NODES', () => manyNodesModel(50), /more than 10 nodes/, { limits: { maxNodes: 10 } }],
  ['TOO_DEEP', () => nestedIfModel(5), /nested more than 3 levels/, { limits: { maxSubgraphDepth: 3 } }],
  ['TOO_DEEP', () => nestedIfModel(40), /100 levels/],
];

describe('inspectOnnx: rejections', () => {
  it.each(rejections)('%s: %s', (code, build, message, policy) => {
    const err = rejection(build(), policy);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message.length).toBeLessThanOrEqual(500);
  });

  it('covers every static error code (runtime codes are covered by inspector.spec.ts)', () => {
    const runtime: OnnxErrorCode[] = ['RUNTIME_LOAD_FAILED', 'RUNTIME_CRASHED', 'OUT_OF_MEMORY', 'TIMEOUT'];
    const covered = new Set(rejections.map(([code]) => code));
    expect(ONNX_ERROR_CODES.filter((c) => !covered.has(c) && !runtime.includes(c))).toEqual([]);
  });

  it('never echoes a huge name from the model', () => {
    const err = rejection(unknownDomainModel('x'.repeat(100_000)));
    expect(err.code).toBe('UNKNOWN_DOMAIN');
    expect(err.message.length).toBeLessThanOrEqual(500);
  });
});
