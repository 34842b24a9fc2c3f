import { isUuid } from '@arca/contracts';
import {
  ValidationPipe,
  type ArgumentMetadata,
  type PipeTransform,
  type ValidationError,
} from '@nestjs/common';
import { badInput } from '../errors/domain-error.js';

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${path}: ${m}`,
    );
    return [...own, ...describe(e.children ?? [], path)];
  });
}

/**
 * Validates client input only: GraphQL args (reported as 'body') and HTTP body/query/params. Context values (the Fastify request and
 * reply) are never handed to class-transformer, which would walk their circular structure forever.
 */
class InputValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.type as unknown;
    const isInput = type === 'body' || type === 'query' || type === 'param';
    return isInput ? super.transform(value, metadata) : Promise.resolve(value);
  }
}

/** Validates every GraphQL input class; a violation answers BAD_USER_INPUT before any service runs. */
export function createValidationPipe(): ValidationPipe {
  return new InputValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const messages = describe(errors);
      return badInput(messages.join('; ') || 'invalid input', {
        fields: [...new Set(errors.map((e) => e.property))],
      });
    },
  });
}

/** class-transformer `@Transform` for free-text inputs: surrounding whitespace is never meaningful. */
export const trimString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** ID arguments are UUIDs; anything else is BAD_USER_INPUT before it reaches a query. */
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, meta: ArgumentMetadata): string {
    if (typeof value !== 'string' || !isUuid(value)) {
      throw badInput(`${meta.data ?? 'id'} must be a valid id`, { field: meta.data ?? 'id' });
    }
    return value.toLowerCase();
  }
}
