import { endianness } from 'node:os';
import protobuf from 'protobufjs/minimal.js';
import { onnx } from '../generated/onnx.js';

/** Fixture builders: valid ONNX models made with the generated encoder (float32 weights as raw_data). */

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

export type Dim = number | string;

export function encodeModel(model: onnx.ModelProto.$Properties): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function valueInfo(
  name: string,
  elemType: number,
  dims: readonly Dim[],
): onnx.ValueInfoProto.$Properties {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Little-endian float32 bytes of `count` values in [-scale, scale). */
export function randomFloats(count: number, random: () => number, scale = 0.5): Uint8Array {
  if (endianness() !== 'LE') throw new Error('raw_data must be little-endian; this host is big-endian');
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * scale;
  return new Uint8Array(values.buffer);
}

export function floatInitializer(
  name: string,
  dims: number[],
  rawData: Uint8Array,
): onnx.TensorProto.$Properties {
  return { name, dims, dataType: FLOAT, rawData };
}

export interface MlpOptions {
  inputSize: number;
  hidden: number[];
  outputs: number;
  seed?: number;
  opset?: number;
  irVersion?: number;
  /** Name of the symbolic batch dimension (default 'batch'). */
  batch?: string;
  producerName?: string;
}

/** The ModelProto of a Gemm/Relu MLP: input 'input' [batch, inputSize] → output 'logits' [batch, outputs]. */
export function mlpModel(options: MlpOptions): onnx.ModelProto.$Properties {
  const { inputSize, hidden, outputs, seed = 1, opset = 21, irVersion = 10, batch = 'batch' } = options;
  const random = prng(seed);
  const sizes = [inputSize, ...hidden, outputs];
  const node: onnx.NodeProto.$Properties[] = [];
  const initializer: onnx.TensorProto.$Properties[] = [];
  let previous = 'input';
  for (let layer = 0; layer < sizes.length - 1; layer++) {
    const fanIn = sizes[layer] as number;
    const fanOut = sizes[layer + 1] as number;
    const last = layer === sizes.length - 2;
    const scale = 1 / Math.sqrt(fanIn);
    initializer.push(
      floatInitializer(`fc${layer}.weight`, [fanOut, fanIn], randomFloats(fanOut * fanIn, random, scale)),
    );
    initializer.push(floatInitializer(`fc${layer}.bias`, [fanOut], randomFloats(fanOut, random, scale)));
    const gemmOut = last ? 'logits' : `fc${layer}.out`;
    node.push({
      name: `fc${layer}`,
      opType: 'Gemm',
      input: [previous, `fc${layer}.weight`, `fc${layer}.bias`],
      output: [gemmOut],
      attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    });
    if (!last) {
      node.push({ name: `relu${layer}`, opType: 'Relu', input: [gemmOut], output: [`relu${layer}.out`] });
      previous = `relu${layer}.out`;
    }
  }
  return {
    irVersion,
    opsetImport: [{ domain: '', version: opset }],
    producerName: options.producerName ?? 'arca-testing',
    producerVersion: '1',
    graph: {
      name: 'mlp',
      node,
      initializer,
      input: [valueInfo('input', FLOAT, [batch, inputSize])],
      output: [valueInfo('logits', FLOAT, [batch, outputs])],
    },
  };
}

/** An encoded Gemm/Relu MLP that onnxruntime loads and runs. */
export function buildMlp(options: MlpOptions): Uint8Array {
  return encodeModel(mlpModel(options));
}

/** The number of weights and biases of `buildMlp(options)`. */
export function mlpParameterCount({ inputSize, hidden, outputs }: MlpOptions): number {
  const sizes = [inputSize, ...hidden, outputs];
  let count = 0;
  for (let i = 0; i < sizes.length - 1; i++) count += ((sizes[i] as number) + 1) * (sizes[i + 1] as number);
  return count;
}

/** A model that calls a model-local function 'com.acme:ScaledRelu' (ORT inlines it). */
export function buildLocalFunctionModel(): Uint8Array {
  return encodeModel({
    irVersion: 10,
    opsetImport: [
      { domain: '', version: 21 },
      { domain: 'com.acme', version: 1 },
    ],
    functions: [
      {
        domain: 'com.acme',
        name: 'ScaledRelu',
        input: ['x'],
        output: ['y'],
        opsetImport: [{ domain: '', version: 21 }],
        node: [
          { opType: 'Relu', input: ['x'], output: ['r'] },
          { opType: 'Add', input: ['r', 'r'], output: ['y'] },
        ],
      },
    ],
    graph: {
      name: 'uses-function',
      node: [{ name: 'call', domain: 'com.acme', opType: 'ScaledRelu', input: ['x'], output: ['y'] }],
      input: [valueInfo('x', FLOAT, [4])],
      output: [valueInfo('y', FLOAT, [4])],
    },
  });
}

/** An If node whose branches are subgraphs; `thenDomain` sets the domain of the then-branch node. */
export function ifModel(thenDomain = ''): onnx.ModelProto.$Properties {
  const branch = (name: string, op: string, domain = ''): onnx.GraphProto.$Properties => ({
    name,
    node: [{ opType: op, domain, input: ['x'], output: [`${name}.out`] }],
    output: [valueInfo(`${name}.out`, FLOAT, [2])],
  });
  const opsetImport = [{ domain: '', version: 21 }];
  if (thenDomain) opsetImport.push({ domain: thenDomain, version: 1 });
  return {
    irVersion: 10,
    opsetImport,
    graph: {
      name: 'if',
      node: [
        {
          name: 'branch',
          opType: 'If',
          input: ['cond'],
          output: ['y'],
          attribute: [
            {
              name: 'then_branch',
              type: onnx.AttributeProto.AttributeType.GRAPH,
              g: branch('then', 'Relu', thenDomain),
            },
            { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('else', 'Neg') },
          ],
        },
      ],
      input: [valueInfo('cond', onnx.TensorProto.DataType.BOOL, []), valueInfo('x', FLOAT, [2])],
      output: [valueInfo('y', FLOAT, [2])],
    },
  };
}

/** Nested If subgraphs `depth` levels deep (the innermost branch is an Identity). */
export function nestedIfModel(depth: number): Uint8Array {
  const leaf = (name: string): onnx.GraphProto.$Properties => ({
    name,
    node: [{ opType: 'Identity', input: ['x'], output: [`${name}.out`] }],
    output: [valueInfo(`${name}.out`, FLOAT, [2])],
  });
  let inner = leaf('leaf');
  for (let level = 0; level < depth; level++) {
    inner = {
      name: `level${level}`,
      node: [
        {
          opType: 'If',
          input: ['cond'],
          output: [`level${level}.out`],
          attribute: [
            { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: inner },
            { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: leaf(`else${level}`) },
          ],
        },
      ],
      output: [valueInfo(`level${level}.out`, FLOAT, [2])],
    };
  }
  const model = ifModel();
  model.graph = {
    ...inner,
    input: [valueInfo('cond', onnx.TensorProto.DataType.BOOL, []), valueInfo('x', FLOAT, [2])],
  };
  // The encoder refuses messages nested deeper than the decoder accepts (100); lift that for this fixture.
  const limit = protobuf.util.recursionLimit;
  protobuf.util.recursionLimit = 10_000;
  try {
    return encodeModel(model);
  } finally {
    protobuf.util.recursionLimit = limit;
  }
}
