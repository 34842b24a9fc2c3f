import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PinoNestLogger, requestLogContext } from '@arca/api-core';
import { Db } from '@arca/api-db';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { registerCredentialRecheck } from './credential-recheck.hook.js';

/** GraphQL documents and JSON bodies are small; file bytes travel on their own streaming routes. */
export const JSON_BODY_LIMIT = 100 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** The request path without its query, and without the secret of one-time download links. */
export function loggablePath(url: string): string {
  return (url.split('?')[0] ?? '').replace(/^\/v1\/downloads\/[^/]+/, '/v1/downloads/[link]');
}

export async function createApp(opts: AppModuleOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(opts),
    createFastifyAdapter(opts),
    {
      logger: new PinoNestLogger(opts.logger.child({ component: 'nest' })),
      abortOnError: false,
    },
  );
  return initHttp(app, opts);
}

/** The Fastify adapter every Arca server uses (also the bench's baseline, so both measure the same edge). */
export function createFastifyAdapter(opts: AppModuleOptions): FastifyAdapter {
  return new FastifyAdapter({
    trustProxy: opts.config.http.trustProxy,
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logger: false,
    // A connection that sends nothing for this long is closed (a stalled upload resumes on a new one).
    connectionTimeout: 120_000,
  });
}

/**
 * Request log context, the request's database scope, security headers, access log and CORS; then initialises
 * the app.
 */
export async function initHttp(
  app: NestFastifyApplication,
  opts: AppModuleOptions,
): Promise<NestFastifyApplication> {
  const fastify = app.getHttpAdapter().getInstance();
  // Upload bodies are not parsed or buffered: the route reads the request stream segment by segment.
  fastify.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  fastify.addHook('onRequest', (req, _reply, done) => {
    requestLogContext.run({ requestId: req.id }, done);
  });
  // After body parsing, so the scope reaches the handler: the API key lookup may open the request's transaction
  // (Db.lookupAndBegin); one the request did not use is committed once the response is out (or the client left).
  const db = app.get(Db);
  fastify.addHook('preHandler', (req, _reply, done) => db.requestScope(req, done));
  fastify.addHook('onResponse', (req) => db.endRequestScope(req));
  fastify.addHook('onRequestAbort', (req) => db.endRequestScope(req));
  registerCredentialRecheck(fastify, db, opts.logger);
  fastify.addHook('onSend', async (_req, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    return payload;
  });
  fastify.addHook('onResponse', async (req, reply) => {
    opts.logger.info(
      {
        method: req.method,
        path: loggablePath(req.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  const origins = opts.config.http.consoleOrigins;
  if (origins.length > 0) {
    app.enableCors({ origin: origins, credentials: true, methods: ['GET', 'POST', 'PUT'], maxAge: 600 });
  }
  await app.init();
  return app;
}
