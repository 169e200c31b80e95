import type { FastifyTypeProvider } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** A schema member that takes any object (terms, proofs, contexts). */
type FreeObject = { type: 'object'; additionalProperties: true };

/** A derived reply type without the index signatures of open object schemas, which no `interface` has. */
type Closed<T> = T extends readonly (infer Item)[] ? Closed<Item>[] : T extends object ? { [K in keyof T as string extends K ? never : K]: Closed<T[K]> } : T;

/**
 * Route types derived from the route schemas (`app.withTypeProvider<RouteTypes>()`), so each
 * route shape is written once: params, query and body as validated, and what a handler may
 * reply — the members the response schema names, with their types; a free-form object takes any
 * object. Schemas must keep their literal types (`as const`).
 */
export interface RouteTypes extends FastifyTypeProvider {
  validator: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown;
  serializer: this['schema'] extends JSONSchema ? Closed<FromSchema<this['schema'], { deserialize: [{ pattern: FreeObject; output: object }] }>> : unknown;
}
