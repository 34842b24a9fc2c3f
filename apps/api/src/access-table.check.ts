import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { OPERATIONS, operationAccess } from '@arca/contracts';

/**
 * Boot-time guard rail: every Query/Mutation field has an access rule in the contracts table and every rule
 * names an existing operation of the right kind. (The auth guard also refuses, per request, any operation whose
 * decorator disagrees with the table.)
 */
@Injectable()
export class AccessTableCheck implements OnApplicationBootstrap {
  constructor(@Inject(GraphQLSchemaHost) private readonly host: GraphQLSchemaHost) {}

  onApplicationBootstrap(): void {
    const problems = accessTableProblems(this.host.schema);
    if (problems.length) throw new Error(`access table mismatch:\n  ${problems.join('\n  ')}`);
  }
}

export function accessTableProblems(schema: GraphQLSchemaHost['schema']): string[] {
  const problems: string[] = [];
  const roots = { query: schema.getQueryType(), mutation: schema.getMutationType() } as const;
  for (const [kind, type] of Object.entries(roots)) {
    for (const name of Object.keys(type?.getFields() ?? {})) {
      const rule = operationAccess(name);
      if (!rule) problems.push(`${kind} ${name} has no entry in OPERATIONS (libs/contracts)`);
      else if (rule.kind !== kind) problems.push(`${name} is a ${kind} but OPERATIONS says ${rule.kind}`);
    }
  }
  for (const [name, rule] of Object.entries(OPERATIONS)) {
    const type = rule.kind === 'query' ? roots.query : roots.mutation;
    if (!type?.getFields()[name]) {
      problems.push(`OPERATIONS lists ${rule.kind} ${name}, which the schema lacks`);
    }
  }
  if (schema.getSubscriptionType()) problems.push('subscriptions are not supported by the access table');
  return problems;
}
