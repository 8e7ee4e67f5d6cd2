import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listenForStoreChanges } from '../src/adapters/postgres/change-feed.ts';
import { openDatabase } from '../src/adapters/postgres/database.ts';
import { storeChangesChannel } from '../src/adapters/postgres/store-repository.ts';
import { startPostgres } from './support/postgres-setup.ts';

// The change feed behind Server-Sent Events, on a PostgreSQL server of its own that the test restarts.

async function notify(url: string, payload: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('SELECT pg_notify($1, $2)', [storeChangesChannel, payload]);
  await client.end();
}

describe('the store change feed on PostgreSQL', () => {
  it('listens again after the server restarts, reports the gap once, and delivers later changes', async () => {
    const server = await startPostgres();
    onTestFinished(() => server.stop());
    const database = await openDatabase({ url: server.url, poolSize: 2 });
    onTestFinished(() => database.close());
    const feed = await listenForStoreChanges(database);
    onTestFinished(() => feed.close());
    const seen: string[] = [];
    let gaps = 0;
    feed.subscribe((id) => seen.push(id));
    feed.onGap(() => (gaps += 1));

    await notify(server.url, 'before000001');
    await expect.poll(() => seen).toEqual(['before000001']);

    await server.restart(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
    await expect.poll(() => gaps, { timeout: 20_000 }).toBe(1);
    await notify(server.url, 'after0000002');
    await expect.poll(() => seen).toEqual(['before000001', 'after0000002']);
    // The pool recovered too: queries work on fresh connections.
    expect(await database.ping()).toBe(true);
    expect(gaps).toBe(1);
  });
});
