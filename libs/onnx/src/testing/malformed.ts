import { onnx } from '../generated/onnx.js';
import { encodeModel, FLOAT, ifModel, mlpModel, prng, valueInfo, type MlpOptions } from './models.js';
import { concat, varint } from './stream.js';

/** Malformed or policy-violating models, one per rejection reason. */

const SMALL: MlpOptions = { inputSize: 4, hidden: [8], outputs: 3, seed: 3 };

export const emptyFile = (): Uint8Array => new Uint8Array(0);

export function randomBytes(length: number, seed = 42): Uint8Array {
  const random = prng(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

/** The first `keep` bytes (default: half) of a valid model. */
export function truncatedModel(keep?: number): Uint8Array {
  const bytes = encodeModel(mlpModel(SMALL));
  return bytes.slice(0, keep ?? Math.floor(bytes.length / 2));
}

/** The first initializer moved to an external file at `location`. */
export function externalDataModel(location = 'weights.bin'): Uint8Array {
  const model = mlpModel(SMALL);
  const first = model.graph?.initializer?.[0];
  if (!first) throw new Error('fixture has no initializer');
  const length = first.rawData?.length ?? 0;
  delete first.rawData;
  first.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  first.externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: '0' },
    { key: 'length', value: String(length) },
  ];
  return encodeModel(model);
}

/** A Relu node in `domain` (imported as an opset), in the main graph or in an If branch. */
export function unknownDomainModel(domain = 'com.acme', where: 'main' | 'subgraph' = 'main'): Uint8Array {
  if (where === 'subgraph') return encodeModel(ifModel(domain));
  const model = mlpModel(SMALL);
  model.opsetImport = [...(model.opsetImport ?? []), { domain, version: 1 }];
  const relu = model.graph?.node?.find((n) => n.opType === 'Relu');
  if (!relu) throw new Error('fixture has no Relu');
  relu.domain = domain;
  return encodeModel(model);
}

/** An initializer that declares `dim` (default 2^40) elements but stores 16 bytes. */
export function absurdDimensionModel(dim = 2 ** 40): Uint8Array {
  const model = mlpModel(SMALL);
  model.graph?.initializer?.push({ name: 'huge', dims: [dim], dataType: FLOAT, rawData: new Uint8Array(16) });
  return encodeModel(model);
}

/** A graph input that declares a dimension of `dim` (default 2^40). */
export function absurdInputShapeModel(dim = 2 ** 40): Uint8Array {
  const model = mlpModel(SMALL);
  if (model.graph) model.graph.input = [valueInfo('input', FLOAT, ['batch', dim])];
  return encodeModel(model);
}

/** An initializer whose raw_data is shorter than its dims say (a plausible size, wrong data). */
export function tensorDataMismatchModel(): Uint8Array {
  const model = mlpModel(SMALL);
  const first = model.graph?.initializer?.[0];
  if (!first?.rawData) throw new Error('fixture has no raw initializer');
  first.rawData = first.rawData.subarray(0, first.rawData.length - 4);
  return encodeModel(model);
}

/** A varint field with a number the schema does not define, at the top level or inside the first node. */
export function unknownFieldModel(where: 'model' | 'node' = 'model', fieldNumber = 99): Uint8Array {
  const field = concat([varint(fieldNumber << 3), varint(1)]);
  const model = mlpModel(SMALL);
  if (where === 'model') return concat([encodeModel(model), field]);
  const node = model.graph?.node?.[0];
  if (!node) throw new Error('fixture has no node');
  node.$unknowns = [field]; // the generated encoder writes preserved unknown fields back
  return encodeModel(model);
}

export function irVersionModel(irVersion: number): Uint8Array {
  return encodeModel({ ...mlpModel(SMALL), irVersion });
}

export function opsetModel(version: number, domain = ''): Uint8Array {
  return encodeModel({ ...mlpModel(SMALL), opsetImport: [{ domain, version }] });
}

/** A well-formed model that onnxruntime refuses: a Gemm whose weight shape does not fit its input. */
export function runtimeRejectedModel(): Uint8Array {
  const model = mlpModel(SMALL);
  if (model.graph) model.graph.input = [valueInfo('input', FLOAT, ['batch', 5])];
  const first = model.graph?.node?.[0];
  if (first) first.opType = 'NoSuchOperator';
  return encodeModel(model);
}

/** A graph with `count` Identity nodes (for node limits). */
export function manyNodesModel(count: number): Uint8Array {
  const node = Array.from({ length: count }, (_, i) => ({
    opType: 'Identity',
    input: [i === 0 ? 'x' : `t${i - 1}`],
    output: [i === count - 1 ? 'y' : `t${i}`],
  }));
  return encodeModel({
    irVersion: 10,
    opsetImport: [{ domain: '', version: 21 }],
    graph: { name: 'chain', node, input: [valueInfo('x', FLOAT, [2])], output: [valueInfo('y', FLOAT, [2])] },
  });
}
