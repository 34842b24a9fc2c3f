import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CREDENTIAL_REPLAY_HEADER, CREDENTIAL_REPLAY_TOKEN, type Logger } from '@arca/api-core';
import { ErrorCode } from '@arca/contracts';
import { CredentialRejectedError, type Db } from '@arca/api-db';

/**
 * The last word on a request whose API key was answered from the cache (ADR 0011), before its response leaves.
 * If no re-check of the key went through yet, it runs now; if a re-check refused the key (revoked, expired, or
 * its role changed since it was cached), nothing the request produced is sent. A GraphQL POST is then replayed
 * once in-process, from scratch (the key is looked up again, so a revoked key answers UNAUTHENTICATED and is
 * recorded, a changed role applies), if none of its transactions committed; anything else answers
 * UNAUTHENTICATED. Fails closed: a re-check that cannot run answers SERVICE_UNAVAILABLE.
 */
export function registerCredentialRecheck(fastify: FastifyInstance, db: Db, logger: Logger): void {
  fastify.addHook('onSend', async (req, reply, payload) => {
    try {
      await db.confirmRequestScope(req);
      return payload;
    } catch (error) {
      (payload as Partial<Readable> | null)?.destroy?.();
      if (!(error instanceof CredentialRejectedError)) {
        logger.warn({ err: error }, 'could not re-check the request credential');
        return refusal(req, reply, ErrorCode.Unavailable, 'the service is busy; retry shortly');
      }
      // Only a request that committed nothing can be run again as if it were new.
      if (replayable(req) && !db.requestCommitted(req)) {
        try {
          return await replay(fastify, req, reply);
        } catch (replayError) {
          logger.warn({ err: replayError }, 'could not replay a request whose API key changed');
        }
      }
      return refusal(req, reply, ErrorCode.Unauthenticated, error.message);
    }
  });
}

function replayable(req: FastifyRequest): boolean {
  return (
    req.method === 'POST' &&
    isGraphql(req) &&
    typeof req.body === 'object' &&
    req.body !== null &&
    req.headers[CREDENTIAL_REPLAY_HEADER] !== CREDENTIAL_REPLAY_TOKEN
  );
}

async function replay(fastify: FastifyInstance, req: FastifyRequest, reply: FastifyReply): Promise<string> {
  const headers = { ...req.headers, [CREDENTIAL_REPLAY_HEADER]: CREDENTIAL_REPLAY_TOKEN };
  delete headers['content-length'];
  const res = await fastify.inject({
    method: 'POST',
    url: req.url,
    headers,
    payload: JSON.stringify(req.body),
    remoteAddress: req.socket.remoteAddress,
  });
  reply.code(res.statusCode);
  const type = res.headers['content-type'];
  if (typeof type === 'string') reply.header('content-type', type);
  return res.payload;
}

function refusal(req: FastifyRequest, reply: FastifyReply, code: string, message: string): string {
  reply.header('content-type', 'application/json; charset=utf-8');
  if (isGraphql(req)) return JSON.stringify({ errors: [{ message, extensions: { code } }], data: null });
  reply.code(code === ErrorCode.Unauthenticated ? 401 : 503);
  return JSON.stringify({ error: { code, message } });
}

const isGraphql = (req: FastifyRequest): boolean => req.url.split('?')[0] === '/graphql';
