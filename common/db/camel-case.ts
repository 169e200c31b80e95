import { CamelCasePlugin, type Kysely, type Transaction } from 'kysely';

/** `package_key_id` → `packageKeyId`, as CamelCasePlugin names it. */
type CamelName<Name extends string> = Name extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelName<Tail>>}` : Name;

/** A database's tables and columns under camelCase names. */
export type CamelCased<DB> = { [Table in keyof DB as CamelName<Table & string>]: { [Column in keyof DB[Table] as CamelName<Column & string>]: DB[Table][Column] } };

/**
 * The same database (or transaction) with camelCase names in queries and rows, so rows are the
 * shapes the code uses and no mapper renames them; tables stay snake_case in SQL. Kysely cannot
 * follow a plugin's renaming in its types, so the type says what the plugin does at run time.
 */
export function camelCased<DB>(db: Kysely<DB> | Transaction<DB>): Kysely<CamelCased<DB>> {
  return db.withPlugin(new CamelCasePlugin()) as unknown as Kysely<CamelCased<DB>>;
}
