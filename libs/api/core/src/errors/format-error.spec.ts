import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { DbUnavailableError } from '@arca/api-db';
import { DomainError } from './domain-error.js';
import { createFormatError } from './format-error.js';

const { GraphQLError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

function setup() {
  const reporter = { internal: vi.fn(), unavailable: vi.fn() };
  return { reporter, format: createFormatError(reporter) };
}

/** What Apollo hands formatError for an error thrown inside a resolver at `path`. */
function resolverError(original: Error) {
  const wrapped = new GraphQLError(original.message, { path: ['model'], originalError: original });
  return {
    formatted: { message: original.message, path: ['model'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    wrapped,
  };
}

describe('createFormatError', () => {
  it('keeps a domain error code, message and details', () => {
    const { format, reporter } = setup();
    const { formatted, wrapped } = resolverError(
      new DomainError('NOT_FOUND', 'model not found', { field: 'id' }),
    );
    expect(format(formatted, wrapped)).toEqual({
      message: 'model not found',
      path: ['model'],
      locations: undefined,
      extensions: { code: 'NOT_FOUND', details: { field: 'id' } },
    });
    expect(reporter.internal).not.toHaveBeenCalled();
  });

  it('hides unexpected errors behind a generic message and reports them', () => {
    const { format, reporter } = setup();
    const boom = new Error('relation "secret_table" does not exist at /srv/app/x.js:1');
    const { formatted, wrapped } = resolverError(boom);
    const out = format(formatted, wrapped);
    expect(out).toEqual({
      message: 'internal error',
      path: ['model'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(out)).not.toMatch(/secret_table|\/srv|stack/);
    expect(reporter.internal).toHaveBeenCalledWith(boom);
  });

  it('answers SERVICE_UNAVAILABLE when no database connection could be had', () => {
    const { format, reporter } = setup();
    const busy = new DbUnavailableError(
      Object.assign(new Error('Unable to start a transaction'), { code: 'P2028' }),
    );
    const { formatted, wrapped } = resolverError(busy);
    expect(format(formatted, wrapped).extensions).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      details: { retryAfterSeconds: 1 },
    });
    expect(reporter.unavailable).toHaveBeenCalledWith(busy);
    expect(reporter.internal).not.toHaveBeenCalled();
  });

  it('passes request-level errors through but never reveals the token limit', () => {
    const { format } = setup();
    const parse = new GraphQLError('Syntax Error: Document contains more that 2000 tokens. Parsing aborted.');
    const out = format({ message: parse.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, parse);
    expect(out.message).not.toMatch(/\d/);
    expect(out.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
    const syntax = new GraphQLError('Syntax Error: Expected Name, found <EOF>.');
    expect(
      format({ message: syntax.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, syntax).message,
    ).toBe('Syntax Error: Expected Name, found <EOF>.');
  });
});
