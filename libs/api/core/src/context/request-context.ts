import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request fields carried into every log line. */
export interface RequestLogContext {
  requestId: string;
  tenantId?: string;
  principalId?: string;
}

export const requestLogContext = new AsyncLocalStorage<RequestLogContext>();
