import pg from 'pg';
import { expect } from 'vitest';
import { helm, kube, statusOf, waitFor } from '../../../../tools/cluster/test/kube.ts';
import type { UrumiProcess } from './urumi-process.ts';

/** Sorted names of a listed collection. */
export async function names(list: Promise<{ items: { metadata?: { name?: string } }[] }>): Promise<string[]> {
  return (await list).items.map((i) => i.metadata?.name ?? '').sort();
}

/** Every row of every table, as text: what a database dump would show. */
export async function databaseText(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    let text = '';
    for (const { tablename } of tables.rows) {
      const rows = await client.query(`SELECT * FROM ${pg.escapeIdentifier(tablename)}`);
      text += JSON.stringify(rows.rows);
    }
    return text;
  } finally {
    await client.end();
  }
}

/**
 * Reads every value of the store's generated Secrets and checks none appears anywhere else: in
 * `helm get values`, Urumi's output, the API's answers or the database. Returns how many there are.
 */
export async function expectSecretsStayInSecrets(
  urumi: UrumiProcess,
  databaseUrl: string,
  id: string,
  secretNames: string[],
): Promise<number> {
  const namespace = `store-${id}`;
  const { core } = kube();
  const secrets = await Promise.all(
    secretNames.map((name) => core.readNamespacedSecret({ name, namespace })),
  );
  const values = secrets.flatMap((s) =>
    Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString()),
  );
  for (const value of values) expect(value.length).toBeGreaterThanOrEqual(24);
  const { stdout: helmValues } = await helm(['get', 'values', namespace, '--namespace', namespace, '--all']);
  const apiText = [
    (await urumi.api('GET', `/api/stores/${id}`)).text,
    (await urumi.api('GET', '/api/stores')).text,
    (await urumi.api('GET', `/api/stores/${id}/events`)).text,
  ].join('\n');
  const dbText = await databaseText(databaseUrl);
  for (const value of values) {
    expect(helmValues).not.toContain(value);
    expect(urumi.output()).not.toContain(value);
    expect(apiText).not.toContain(value);
    expect(dbText).not.toContain(value);
  }
  // The admin token is stored only as a hash.
  expect(dbText).not.toContain(urumi.token);
  expect(urumi.output()).not.toContain(urumi.token);
  return values.length;
}

/** Waits until every named PersistentVolume is deleted (the store's volumes went with it). */
export async function expectVolumesGone(volumes: string[]): Promise<void> {
  const { core } = kube();
  for (const volume of volumes) {
    await waitFor(
      `volume ${volume} to be gone`,
      async () => (await core.readPersistentVolume({ name: volume }).then(() => 200, statusOf)) === 404,
    );
  }
}
