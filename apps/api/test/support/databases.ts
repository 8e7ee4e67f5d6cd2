import { inject, onTestFinished } from 'vitest';
import { openDatabase, type Database } from '../../src/adapters/postgres/database.ts';
import { createDatabase } from './postgres-setup.ts';

export type DatabaseKind = 'pglite' | 'postgres';
export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

/** Creates an empty PostgreSQL database on the test server and returns its URL; dropped after the test. */
export async function freshPostgresUrl(): Promise<string> {
  const database = await createDatabase(inject('postgresUrl'), 't');
  onTestFinished(() => database.drop());
  return database.url;
}

/** An empty, migrated database of the given kind, closed when the test ends. */
export async function freshDatabase(kind: DatabaseKind): Promise<Database> {
  const database =
    kind === 'pglite'
      ? await openDatabase({ dataDir: 'memory://' })
      : await openDatabase({ url: await freshPostgresUrl() });
  onTestFinished(() => database.close());
  return database;
}
