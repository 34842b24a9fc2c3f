import { OnnxValidationError, quote } from './errors.js';
import {
  MAX_OPSET_VERSIONS,
  MIN_IR_VERSION,
  PINNED_IR_VERSION,
  resolvePolicy,
  type OnnxPolicy,
  type ResolvedPolicy,
} from './policy.js';
import { decodeModel, int64ToNumber, type onnx } from './proto.js';
import type { OnnxExternalDataRef, OnnxSummary } from './summary.js';
import { checkTensor, describeType } from './tensors.js';

/**
 * Parses and validates an ONNX model without running it (pure: no onnxruntime, no I/O). Throws
 * OnnxValidationError with a stable code. The bytes are not copied; tensors are not materialised.
 */
export function inspectOnnx(bytes: Uint8Array, policy?: OnnxPolicy): OnnxSummary {
  const resolved = resolvePolicy(policy);
  if (bytes.byteLength === 0) throw new OnnxValidationError('EMPTY_FILE', 'The file is empty (0 bytes).');
  if (bytes.byteLength > resolved.limits.maxBytes) {
    throw new OnnxValidationError(
      'TOO_LARGE',
      `The model has ${bytes.byteLength} bytes; the limit is ${resolved.limits.maxBytes}.`,
    );
  }
  const model = decodeModel(bytes);
  const irVersion = checkIrVersion(model);
  if (!model.graph) {
    throw new OnnxValidationError('NOT_ONNX', 'The file is not an ONNX model: it has no graph.');
  }
  const functionKeys = new Set((model.functions ?? []).map((f) => functionKey(f.domain, f.name, f.overload)));
  const functionDomains = new Set((model.functions ?? []).map((f) => f.domain ?? ''));
  const walker = new Walker(resolved, functionKeys);
  const opsetImports = checkOpsets(model.opsetImport, 'The model', resolved, functionDomains);

  walker.graph(model.graph, 0, 'main graph');
  const nodeCount = model.graph.node?.length ?? 0;
  for (const fn of model.functions ?? []) {
    const where = `function ${quote(`${fn.domain ?? ''}:${fn.name ?? ''}`)}`;
    checkOpsets(fn.opsetImport, `The ${where}`, resolved, functionDomains);
    walker.nodes(fn.node, 0, where);
    for (const attr of fn.attributeProto ?? []) walker.attribute(attr, 0, where);
  }
  for (const [i, info] of (model.trainingInfo ?? []).entries()) {
    if (info.initialization) walker.graph(info.initialization, 0, `training_info[${i}].initialization`);
    if (info.algorithm) walker.graph(info.algorithm, 0, `training_info[${i}].algorithm`);
  }

  const initializerNames = new Set([
    ...(model.graph.initializer ?? []).map((t) => t.name ?? ''),
    ...(model.graph.sparseInitializer ?? []).map((t) => t.values?.name ?? ''),
  ]);
  return {
    irVersion,
    opsetImports,
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    graphName: model.graph.name ?? '',
    inputs: (model.graph.input ?? [])
      .filter((v) => !initializerNames.has(v.name ?? ''))
      .map((v) => describeType(v.name ?? '', v.type, resolved)),
    outputs: (model.graph.output ?? []).map((v) => describeType(v.name ?? '', v.type, resolved)),
    parameterCount: walker.parameterCount,
    initializerCount: walker.initializerCount,
    nodeCount,
    totalNodeCount: walker.nodeCount,
    functionCount: model.functions?.length ?? 0,
    operatorDomains: [...walker.domains].sort(),
    externalData: walker.external,
    byteLength: bytes.byteLength,
    runtimeVerified: false,
  };
}

function checkIrVersion(model: onnx.ModelProto): number {
  const ir = int64ToNumber(model.irVersion);
  if (ir === 0) {
    throw new OnnxValidationError('NOT_ONNX', 'The file is not an ONNX model: it has no ir_version.');
  }
  if (ir === null || ir > PINNED_IR_VERSION || ir < MIN_IR_VERSION) {
    throw new OnnxValidationError(
      'IR_VERSION_UNSUPPORTED',
      `The model has IR version ${ir === null ? String(model.irVersion) : ir}; supported IR versions are ` +
        `${MIN_IR_VERSION} to ${PINNED_IR_VERSION} (ONNX 1.21 / onnxruntime 1.30). Re-export it with an older ONNX.`,
    );
  }
  return ir;
}

function checkOpsets(
  imports: onnx.OperatorSetIdProto.$Properties[] | null | undefined,
  owner: string,
  policy: ResolvedPolicy,
  functionDomains: ReadonlySet<string>,
): { domain: string; version: number }[] {
  if (!imports?.length && owner === 'The model') {
    throw new OnnxValidationError(
      'OPSET_UNSUPPORTED',
      'The model imports no operator set (opset_import is empty).',
    );
  }
  return (imports ?? []).map((entry) => {
    const domain = entry.domain ?? '';
    const version = int64ToNumber(entry.version);
    if (version === null || version < 1) {
      throw new OnnxValidationError(
        'OPSET_UNSUPPORTED',
        `${owner} imports domain ${quote(domain)} with an invalid version.`,
      );
    }
    const max = MAX_OPSET_VERSIONS[domain];
    if (max !== undefined && version > max) {
      throw new OnnxValidationError(
        'OPSET_UNSUPPORTED',
        `${owner} uses opset ${version} of ${quote(domain || 'ai.onnx')}; onnxruntime 1.30 supports up to ${max}.`,
      );
    }
    if (!policy.allowedDomains.has(domain) && !functionDomains.has(domain)) {
      throw new OnnxValidationError(
        'UNKNOWN_DOMAIN',
        unknownDomainMessage(`${owner} imports`, domain, policy),
      );
    }
    return { domain, version };
  });
}

function unknownDomainMessage(subject: string, domain: string, policy: ResolvedPolicy): string {
  const allowed = [...policy.allowedDomains].map((d) => (d === '' ? '""' : d)).join(', ');
  return (
    `${subject} operator domain ${quote(domain)}, which is not allowed (allowed: ${allowed}). ` +
    'Custom operators need a tenant policy that allows their domain, and a runtime that implements them.'
  );
}

function functionKey(domain?: string | null, name?: string | null, overload?: string | null): string {
  return `${domain ?? ''}\u0000${name ?? ''}\u0000${overload ?? ''}`;
}

/** Walks graphs, nodes, attributes and subgraphs once, enforcing the limits as it goes. */
class Walker {
  parameterCount = 0;
  initializerCount = 0;
  nodeCount = 0;
  readonly domains = new Set<string>();
  readonly external: OnnxExternalDataRef[] = [];

  constructor(
    private readonly policy: ResolvedPolicy,
    private readonly functionKeys: ReadonlySet<string>,
  ) {}

  graph(graph: onnx.GraphProto.$Properties, depth: number, where: string): void {
    if (depth > this.policy.limits.maxSubgraphDepth) {
      throw new OnnxValidationError(
        'TOO_DEEP',
        `Subgraphs are nested more than ${this.policy.limits.maxSubgraphDepth} levels deep (${where}).`,
      );
    }
    for (const tensor of graph.initializer ?? []) {
      this.parameterCount += checkTensor(tensor, `initializer in ${where}`, this.policy, this.external);
      this.initializerCount += 1;
    }
    for (const sparse of graph.sparseInitializer ?? []) {
      this.parameterCount += this.sparse(sparse, `sparse initializer in ${where}`);
      this.initializerCount += 1;
    }
    for (const value of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) {
      describeType(value.name ?? '', value.type, this.policy);
    }
    this.nodes(graph.node, depth, where);
  }

  nodes(nodes: onnx.NodeProto.$Properties[] | null | undefined, depth: number, where: string): void {
    for (const node of nodes ?? []) {
      this.nodeCount += 1;
      if (this.nodeCount > this.policy.limits.maxNodes) {
        throw new OnnxValidationError(
          'TOO_MANY_NODES',
          `The model has more than ${this.policy.limits.maxNodes} nodes.`,
        );
      }
      const domain = node.domain ?? '';
      const isFunction = this.functionKeys.has(functionKey(domain, node.opType, node.overload));
      if (!isFunction && !this.policy.allowedDomains.has(domain)) {
        const op = `${quote(`${domain}:${node.opType ?? ''}`)} of node ${quote(node.name || '(unnamed)')} in ${where}`;
        throw new OnnxValidationError(
          'UNKNOWN_DOMAIN',
          unknownDomainMessage(`Operator ${op} uses`, domain, this.policy),
        );
      }
      this.domains.add(domain);
      const nodeWhere = `node ${quote(node.name || node.opType || '(unnamed)')} in ${where}`;
      for (const attr of node.attribute ?? []) this.attribute(attr, depth, nodeWhere);
    }
  }

  attribute(attr: onnx.AttributeProto.$Properties, depth: number, where: string): void {
    const what = `attribute ${quote(attr.name ?? '')} of ${where}`;
    if (attr.t) checkTensor(attr.t, what, this.policy, this.external);
    for (const t of attr.tensors ?? []) checkTensor(t, what, this.policy, this.external);
    if (attr.sparseTensor) this.sparse(attr.sparseTensor, what);
    for (const s of attr.sparseTensors ?? []) this.sparse(s, what);
    if (attr.g) this.graph(attr.g, depth + 1, `subgraph ${what}`);
    for (const g of attr.graphs ?? []) this.graph(g, depth + 1, `subgraph ${what}`);
  }

  private sparse(sparse: onnx.SparseTensorProto.$Properties, where: string): number {
    if (!sparse.values) {
      throw new OnnxValidationError('TENSOR_DATA_MISMATCH', `A sparse tensor (${where}) has no values.`);
    }
    const values = checkTensor(sparse.values, where, this.policy, this.external);
    if (sparse.indices) checkTensor(sparse.indices, where, this.policy, this.external);
    return values;
  }
}
