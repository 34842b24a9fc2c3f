import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { createFormatError, type ArcaConfig, type Logger } from '@arca/api-core';

/** Limits on every document; values are not revealed in error messages (exposeLimits: false). */
export const GRAPHQL_LIMITS = {
  maxDepth: 8,
  maxAliases: 15,
  maxDirectives: 50,
  maxCost: 5000,
  maxTokens: 2000,
} as const;

export function graphqlOptions(config: ArcaConfig, logger: Logger): ApolloDriverConfig {
  const armor = new ApolloArmor({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, exposeLimits: false, flattenFragments: true },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases, exposeLimits: false },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives, exposeLimits: false },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, exposeLimits: false },
    blockFieldSuggestion: { enabled: true },
    // graphql-armor's token plugin turns syntax errors into HTTP 500 (graphql-armor#571); graphql-js enforces
    // the same limit at parse time instead (parseOptions.maxTokens below), answering 400.
    maxTokens: { enabled: false },
  }).protect();
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    playground: false,
    graphiql: false,
    introspection: config.graphql.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: true,
    parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens },
    validationRules: armor.validationRules,
    // @nestjs/apollo types reference Apollo's CJS build, armor's the ESM one: same runtime objects.
    plugins: [...armor.plugins, validationStatusPlugin()] as unknown as ApolloDriverConfig['plugins'],
    formatError: createFormatError({
      internal: (error) => logger.error({ err: error }, 'unhandled error in GraphQL operation'),
      unavailable: (error) => logger.warn({ err: error }, 'database busy: answered SERVICE_UNAVAILABLE'),
    }),
    // Never put the Fastify reply itself in the context: it is a thenable, and Nest awaits parameter values.
    context: (req: unknown, reply: { header(name: string, value: string): unknown }) => ({
      req,
      headers: { header: (name: string, value: string) => void reply.header(name, value) },
    }),
  };
}

/** Request-level failures (parse, validation) always answer 400, whatever a plugin set. */
function validationStatusPlugin(): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        didEncounterErrors(rc) {
          // No resolved operation means the document never executed: a client error, never a 5xx.
          if (!rc.operation && rc.response.http) rc.response.http.status = 400;
          return Promise.resolve();
        },
      });
    },
  };
}
