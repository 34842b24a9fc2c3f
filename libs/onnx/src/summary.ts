/** A graph input or output as clients bind to it. */
export interface OnnxValueInfo {
  name: string;
  kind: 'tensor' | 'sparse_tensor' | 'sequence' | 'map' | 'optional' | 'unknown';
  /**
   * Tensors: the TensorProto.DataType name ('FLOAT', 'INT64' …). Other kinds: a type expression such as
   * 'seq(tensor(FLOAT))' or 'map(INT64,tensor(FLOAT))'.
   */
  elementType: string;
  /** null when the rank is unknown; per dimension a size, a symbolic name ('batch') or null (unknown). */
  shape: (number | string | null)[] | null;
}

/** A tensor whose bytes live outside the model file (only listed when the policy allows external data). */
export interface OnnxExternalDataRef {
  tensor: string;
  /** A plain file name (validated: not absolute, no '..', no separator). */
  location: string;
  offset: number;
  length: number | null;
}

export interface OnnxSummary {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graphName: string;
  /** Graph inputs a caller must feed (inputs that are also initializers are left out, as onnxruntime does). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /**
   * Elements of every initializer of every graph (main graph and subgraphs); a sparse initializer counts its
   * stored (non-default) values.
   */
  parameterCount: number;
  initializerCount: number;
  /** Nodes of the main graph. */
  nodeCount: number;
  /** Nodes of the main graph, all subgraphs, training graphs and model-local functions. */
  totalNodeCount: number;
  functionCount: number;
  /** Distinct operator domains used by nodes, sorted ('' is the default ONNX domain). */
  operatorDomains: string[];
  externalData: OnnxExternalDataRef[];
  byteLength: number;
  /** true only when onnxruntime created a session from the model (inspectInChildProcess). */
  runtimeVerified: boolean;
  /** Hex SHA-256 of the plaintext, when computed by the inspector process. */
  sha256?: string;
}
