import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './database.ts';

/** Column types that differ between the two engines. */
export interface ColumnTypes {
  blob: 'blob' | 'bytea';
  bigint: 'integer' | 'bigint';
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  return dialect === 'postgres' ? { blob: 'bytea', bigint: 'bigint' } : { blob: 'blob', bigint: 'integer' };
}

/** A versioned migration; its name (sortable, e.g. `0001_init`) is its version. */
export type VersionedMigration = (types: ColumnTypes, dialect: Dialect) => Migration;

/**
 * Applies every pending migration in name order inside the migrator's lock. Each component
 * passes its own table prefix so several components can share one database.
 */
export async function migrate(
  db: Kysely<any>,
  dialect: Dialect,
  migrations: Record<string, VersionedMigration>,
  tablePrefix: string,
): Promise<void> {
  const types = columnTypes(dialect);
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(Object.entries(migrations).map(([name, build]) => [name, build(types, dialect)])),
  };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: `${tablePrefix}_migrations`,
    migrationLockTableName: `${tablePrefix}_migrations_lock`,
    // Features add their own numbered migrations; one landing before another must not wedge startup.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
}
