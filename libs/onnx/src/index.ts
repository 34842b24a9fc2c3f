export { inspectOnnx } from './inspect.js';
export { inspectInChildProcess, type InspectInChildProcessOptions } from './inspector.js';
export { ONNX_ERROR_CODES, OnnxValidationError, isOnnxErrorCode, type OnnxErrorCode } from './errors.js';
export {
  DEFAULT_OPERATOR_DOMAINS,
  MAX_OPSET_VERSIONS,
  PINNED_IR_VERSION,
  PROTOBUF_MAX_BYTES,
  type OnnxLimits,
  type OnnxPolicy,
} from './policy.js';
export type { OnnxExternalDataRef, OnnxSummary, OnnxValueInfo } from './summary.js';
