import path from 'node:path';
import { sql } from 'kysely';
import { migrate, openDatabase, type Database } from '../common/index.ts';
import type { KmsConfig } from './config.ts';
import { kmsMigrations, type KmsSchema } from './schema.ts';

export type KmsDatabase = Database<KmsSchema>;

/** `$SLUICE_DATA_DIR/kms/kms.db`, or PostgreSQL when `SLUICE_KMS_DATABASE_URL` is set; migrated. */
export async function openKmsStore(config: Pick<KmsConfig, 'dir' | 'databaseUrl'>): Promise<KmsDatabase> {
  const database = openDatabase<KmsSchema>({ url: config.databaseUrl, sqlitePath: path.join(config.dir, 'kms.db') });
  try {
    if (database.dialect === 'sqlite') {
      // Overwrite freed pages so sealed material of destroyed keys does not linger in the file.
      await sql`PRAGMA secure_delete = ON`.execute(database.db);
    }
    await migrate(database.db, database.dialect, kmsMigrations, 'kms');
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
