// Test fixtures for @arca/onnx and its callers (import '@arca/onnx/testing'): valid and malformed models.
export * from './malformed.js';
export * from './models.js';
export { concat, modelStream, paddedModel, type ModelStream, type ModelStreamOptions } from './stream.js';
