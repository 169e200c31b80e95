import { Ajv, type ErrorObject } from 'ajv';
import { fail } from '../../common/index.ts';

// Same options as the gateway's Fastify instance (common/http.ts): no coercion, nothing removed.
const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, strict: true });

/**
 * A validator for one of our JSON schemas that throws VALIDATION_FAILED. Problems name the path
 * and the failed keyword only — never the offending value or an unexpected property's name,
 * which could be personal data.
 */
export function compileValidator<T>(schema: object, what: string): (input: unknown) => T {
  const validate = ajv.compile(schema);
  return (input: unknown): T => {
    if (validate(input)) return input as T;
    const problems = (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.keyword}`);
    throw fail.validation(`${what} does not match the schema`, { problems });
  };
}
