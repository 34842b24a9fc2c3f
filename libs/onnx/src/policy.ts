/** The IR version of the pinned schema (proto/onnx.proto3) and the newest one onnxruntime-node 1.30 loads. */
export const PINNED_IR_VERSION = 13;
/** IR 3 introduced opset imports; older files cannot say which operator set they use. */
export const MIN_IR_VERSION = 3;
/** The newest opsets onnxruntime-node 1.30 supports officially (measured: newer ones fail to load). */
export const MAX_OPSET_VERSIONS: Readonly<Record<string, number>> = {
  '': 26,
  'ai.onnx': 26,
  'ai.onnx.ml': 5,
};

/**
 * Operator domains accepted without a tenant policy: the ONNX standard sets ('' and its alias 'ai.onnx'),
 * the classical-ML set, and 'com.microsoft', the contrib operators built into every onnxruntime CPU build
 * (emitted by ORT's own optimizers and quantization tools). Domains that need a custom-op library, training
 * domains and ORT-internal layout domains are not defaults: the server never registers custom-op libraries, so
 * such models could not be served anyway.
 */
export const DEFAULT_OPERATOR_DOMAINS: readonly string[] = ['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft'];

export interface OnnxLimits {
  /** Largest accepted file. Default and ceiling: 2 GiB − 1 (protobuf messages cannot be larger). */
  maxBytes?: number;
  /** Largest dimension value in a tensor or a declared shape. Default 2^31 − 1. */
  maxDimension?: number;
  /** Most elements in one tensor or declared shape. Default 2^32. */
  maxTensorElements?: number;
  /** Most nodes over the main graph, all subgraphs and all functions. Default 1,000,000. */
  maxNodes?: number;
  /** Deepest nesting of subgraphs (If/Loop/Scan bodies, graph attributes). Default 32. */
  maxSubgraphDepth?: number;
}

export interface OnnxPolicy {
  /**
   * Operator domains accepted in addition to DEFAULT_OPERATOR_DOMAINS (tenant setting). A node whose
   * (domain, op_type) names a model-local function is always accepted: the function body is checked instead.
   * Passing the static check does not make a domain executable: the model must still load in onnxruntime.
   */
  allowedDomains?: readonly string[];
  /**
   * Accept tensors stored outside the file (default false). The registry never has those files, so "allowed"
   * only means the upload is recorded (locations listed in the summary, each a plain file name: no absolute
   * path, no '..', no separator) and the runtime load check is skipped: such a version is not servable.
   */
  allowExternalData?: boolean;
  limits?: OnnxLimits;
}

/** 2^31 − 1: protobuf cannot encode a message of 2 GiB or more. */
export const PROTOBUF_MAX_BYTES = 2 ** 31 - 1;

export interface ResolvedPolicy {
  allowedDomains: ReadonlySet<string>;
  allowExternalData: boolean;
  limits: Required<OnnxLimits>;
}

export function resolvePolicy(policy: OnnxPolicy = {}): ResolvedPolicy {
  const limits = policy.limits ?? {};
  return {
    allowedDomains: new Set([...DEFAULT_OPERATOR_DOMAINS, ...(policy.allowedDomains ?? [])]),
    allowExternalData: policy.allowExternalData ?? false,
    limits: {
      maxBytes: Math.min(positive(limits.maxBytes, 'maxBytes') ?? PROTOBUF_MAX_BYTES, PROTOBUF_MAX_BYTES),
      maxDimension: positive(limits.maxDimension, 'maxDimension') ?? 2 ** 31 - 1,
      maxTensorElements: positive(limits.maxTensorElements, 'maxTensorElements') ?? 2 ** 32,
      maxNodes: positive(limits.maxNodes, 'maxNodes') ?? 1_000_000,
      maxSubgraphDepth: positive(limits.maxSubgraphDepth, 'maxSubgraphDepth') ?? 32,
    },
  };
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`);
  return value;
}
