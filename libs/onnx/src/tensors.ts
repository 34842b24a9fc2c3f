import { OnnxValidationError, quote } from './errors.js';
import type { ResolvedPolicy } from './policy.js';
import { DATA_TYPES, int64ToNumber, onnx, typedFieldCount, type Int64 } from './proto.js';
import type { OnnxExternalDataRef, OnnxValueInfo } from './summary.js';

/** Checks dims against the limits and returns the element count (1 for a scalar). */
export function elementCount(
  dims: readonly Int64[] | null | undefined,
  what: string,
  policy: ResolvedPolicy,
): number {
  const { maxDimension, maxTensorElements } = policy.limits;
  let count = 1;
  for (const raw of dims ?? []) {
    const dim = int64ToNumber(raw);
    if (dim === null || dim < 0 || dim > maxDimension) {
      throw new OnnxValidationError(
        'ABSURD_DIMENSION',
        `${what} declares a dimension of ${dim === null ? 'more than 2^53' : dim}; ` +
          `dimensions must be between 0 and ${maxDimension}.`,
      );
    }
    count *= dim;
    if (count > maxTensorElements) {
      throw new OnnxValidationError(
        'ABSURD_DIMENSION',
        `${what} declares more than ${maxTensorElements} elements (the per-tensor limit).`,
      );
    }
  }
  return count;
}

export function dataTypeName(dataType: number | null | undefined, what: string): string {
  const info = DATA_TYPES.get(dataType ?? 0);
  if (info) return info.name;
  if (!dataType) {
    throw new OnnxValidationError('TENSOR_DATA_MISMATCH', `${what} has no element type (UNDEFINED).`);
  }
  throw new OnnxValidationError(
    'UNKNOWN_FIELD',
    `${what} uses element type ${dataType}, which the ONNX IR 13 schema does not define.`,
  );
}

/**
 * Validates a TensorProto (initializer, attribute or sparse part): type, dims, and that the stored data has
 * exactly the declared size. Returns the element count, and records external data when the policy allows it.
 */
export function checkTensor(
  tensor: onnx.TensorProto.$Properties,
  where: string,
  policy: ResolvedPolicy,
  external: OnnxExternalDataRef[],
): number {
  const name = tensor.name ?? '';
  const what = `Tensor ${quote(name)} (${where})`;
  const dataType = tensor.dataType ?? 0;
  dataTypeName(dataType, what);
  const elements = elementCount(tensor.dims, what, policy);
  if (tensor.segment) {
    throw new OnnxValidationError(
      'TENSOR_DATA_MISMATCH',
      `${what} is stored in segments, which are not supported.`,
    );
  }
  const isExternal =
    tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (tensor.externalData?.length ?? 0) > 0;
  if (isExternal) {
    external.push(checkExternalData(tensor, what, policy));
    return elements;
  }
  const stored = storedValues(tensor);
  if (stored.length > 1) {
    throw new OnnxValidationError(
      'TENSOR_DATA_MISMATCH',
      `${what} stores its data in several fields at once.`,
    );
  }
  const [field] = stored;
  const bits = DATA_TYPES.get(dataType)?.bits ?? 0;
  let expected: number;
  let actual: number;
  if (!field) {
    expected = elements;
    actual = 0;
  } else if (field.kind === 'raw') {
    if (bits === 0) {
      throw new OnnxValidationError('TENSOR_DATA_MISMATCH', `${what}: STRING tensors cannot use raw_data.`);
    }
    expected = Math.ceil((elements * bits) / 8);
    actual = field.count;
  } else {
    expected = typedFieldCount(dataType, elements);
    actual = field.count;
  }
  if (expected !== actual) {
    const unit = field?.kind === 'raw' ? 'bytes' : 'values';
    throw new OnnxValidationError(
      'TENSOR_DATA_MISMATCH',
      `${what} declares ${elements} elements of ${DATA_TYPES.get(dataType)?.name ?? '?'} but stores ` +
        `${actual} ${unit} (expected ${expected}).`,
    );
  }
  return elements;
}

function storedValues(tensor: onnx.TensorProto.$Properties): { kind: string; count: number }[] {
  const fields = [
    { kind: 'raw', count: tensor.rawData?.length ?? 0 },
    { kind: 'float_data', count: tensor.floatData?.length ?? 0 },
    { kind: 'int32_data', count: tensor.int32Data?.length ?? 0 },
    { kind: 'string_data', count: tensor.stringData?.length ?? 0 },
    { kind: 'int64_data', count: tensor.int64Data?.length ?? 0 },
    { kind: 'double_data', count: tensor.doubleData?.length ?? 0 },
    { kind: 'uint64_data', count: tensor.uint64Data?.length ?? 0 },
  ];
  return fields.filter((f) => f.count > 0);
}

// A plain file name: no separators, no '..', no drive letters, no control characters.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const SAFE_LOCATION = /^(?!\.\.?$)[^/\\:\u0000-\u001f]{1,255}$/;

function checkExternalData(
  tensor: onnx.TensorProto.$Properties,
  what: string,
  policy: ResolvedPolicy,
): OnnxExternalDataRef {
  const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location') ?? '';
  if (!policy.allowExternalData) {
    throw new OnnxValidationError(
      'EXTERNAL_DATA',
      `${what} keeps its data in an external file${location ? ` (${quote(location)})` : ''}. Upload a ` +
        'self-contained model with the weights embedded (e.g. onnx.save(model, path, save_as_external_data=False)).',
    );
  }
  if (!SAFE_LOCATION.test(location) || location.includes('..')) {
    throw new OnnxValidationError(
      'EXTERNAL_DATA',
      `${what} has an unsafe external data location ${quote(location)}: only a plain file name is accepted ` +
        '(no absolute path, no "..", no directory separator).',
    );
  }
  const offset = decimal(entries.get('offset') ?? '0');
  const length = entries.has('length') ? decimal(entries.get('length') ?? '') : null;
  if (offset === null || (entries.has('length') && length === null)) {
    throw new OnnxValidationError('EXTERNAL_DATA', `${what} has an invalid external data offset or length.`);
  }
  return { tensor: tensor.name ?? '', location, offset, length };
}

function decimal(text: string): number | null {
  if (!/^\d{1,16}$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** Summarises a TypeProto and checks declared dimensions against the limits. */
export function describeType(
  name: string,
  type: onnx.TypeProto.$Properties | null | undefined,
  policy: ResolvedPolicy,
): OnnxValueInfo {
  const what = `Value ${quote(name)}`;
  const tensor = type?.tensorType ?? type?.sparseTensorType;
  if (tensor) {
    const shape = tensor.shape ? describeShape(tensor.shape, what, policy) : null;
    return {
      name,
      kind: type?.tensorType ? 'tensor' : 'sparse_tensor',
      elementType: dataTypeName(tensor.elemType, what),
      shape,
    };
  }
  if (type?.sequenceType || type?.mapType || type?.optionalType) {
    const kind = type.sequenceType ? 'sequence' : type.mapType ? 'map' : 'optional';
    return { name, kind, elementType: typeExpression(type, what, policy), shape: null };
  }
  return { name, kind: 'unknown', elementType: 'UNDEFINED', shape: null };
}

function describeShape(
  shape: onnx.TensorShapeProto.$Properties,
  what: string,
  policy: ResolvedPolicy,
): (number | string | null)[] {
  const dims = shape.dim ?? [];
  const known = dims
    .filter((d) => d.dimValue !== undefined && d.dimValue !== null)
    .map((d) => d.dimValue as Int64);
  elementCount(known, what, policy);
  return dims.map((d) => {
    if (d.dimValue !== undefined && d.dimValue !== null) return int64ToNumber(d.dimValue);
    return d.dimParam ? d.dimParam : null;
  });
}

function typeExpression(
  type: onnx.TypeProto.$Properties | null | undefined,
  what: string,
  policy: ResolvedPolicy,
): string {
  if (!type) return 'UNDEFINED';
  if (type.tensorType) return `tensor(${dataTypeName(type.tensorType.elemType, what)})`;
  if (type.sparseTensorType) return `sparse_tensor(${dataTypeName(type.sparseTensorType.elemType, what)})`;
  if (type.sequenceType) return `seq(${typeExpression(type.sequenceType.elemType, what, policy)})`;
  if (type.optionalType) return `optional(${typeExpression(type.optionalType.elemType, what, policy)})`;
  if (type.mapType) {
    const key = dataTypeName(type.mapType.keyType, what);
    return `map(${key},${typeExpression(type.mapType.valueType, what, policy)})`;
  }
  return 'UNDEFINED';
}
