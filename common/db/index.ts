export { openDatabase, type Database, type Dialect, type OpenDatabaseOptions } from './database.ts';
export { migrate, columnTypes, type ColumnTypes, type VersionedMigration } from './migrate.ts';
export { openProcessLocks, type ProcessLocks } from './process-locks.ts';
export { camelCased, type CamelCased } from './camel-case.ts';
