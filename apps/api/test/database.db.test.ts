import { sql } from 'drizzle-orm';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isDatabaseUnavailable, openDatabase } from '../src/adapters/postgres/database.ts';
import { startPostgres } from './support/postgres-setup.ts';

// The PostgreSQL pool when its server goes away under it, on a server of its own that the test stops.

describe('the PostgreSQL pool', () => {
  it('survives the server stopping while a transaction holds a connection: the transaction fails as unavailable, the process lives, the pool recovers', async () => {
    const server = await startPostgres();
    onTestFinished(() => server.stop());
    const database = await openDatabase({ url: server.url, poolSize: 2 });
    onTestFinished(() => database.close());

    // Between two statements of a transaction its connection is checked out of the pool and idle:
    // the server's "terminating connection" arrives with no query to fail, as an 'error' event.
    // Unheard, that event is an uncaught exception that ends the process (and this test run).
    const outcome = database.db
      .transaction(async (tx) => {
        await tx.execute(sql`SELECT 1`);
        await server.restart(() => new Promise((resolve) => setTimeout(resolve, 500)));
        await tx.execute(sql`SELECT 2`);
      })
      .then(
        () => 'committed',
        (error: unknown) => (isDatabaseUnavailable(error) ? 'unavailable' : `other: ${String(error)}`),
      );
    expect(await outcome).toBe('unavailable');
    await expect.poll(() => database.ping(), { timeout: 20_000 }).toBe(true);
  });
});
