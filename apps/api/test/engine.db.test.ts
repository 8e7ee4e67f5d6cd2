import { describe, expect, it, onTestFinished } from 'vitest';
import { PostgresStoreRepository } from '../src/adapters/postgres/store-repository.ts';
import { systemClock } from '../src/domain/ports.ts';
import { newStoreId } from '../src/domain/store-id.ts';
import { stepBudgets } from '../src/engine/steps/index.ts';
import { databaseKinds, freshDatabase } from './support/databases.ts';
import { modelEngine } from './support/engine-model.ts';
import { FakeProcess, FakeWorld } from './support/fake-cluster.ts';

// Engine behaviour on a real database with the cluster and helm behind in-memory fakes.

describe.each(databaseKinds)('engine on %s', (kind) => {
  it('fails a store that waited in the queue past its deadline with TIMEOUT, and never promotes it', async () => {
    const repository = new PostgresStoreRepository({ db: (await freshDatabase(kind)).db });
    const world = new FakeWorld({ helmDelayMs: 5, namespaceDeleteMs: 5 });
    onTestFinished(() => world.dispose());
    const process = new FakeProcess(world);
    const engine = modelEngine(
      process,
      repository,
      { clock: systemClock, owner: 'engine-queue' },
      {
        maxInFlight: 1,
        leaseMs: 2_000,
        budgets: stepBudgets(),
        provisionTimeoutMs: 60_000,
        pollIntervalMs: 20,
      },
    );
    const create = (queueMs: number) => {
      const id = newStoreId();
      return repository.create({
        id,
        name: `shop-${id}`,
        type: 'woocommerce',
        actor: 'test',
        maxStores: 10,
        deadlineAt: new Date(Date.now() + queueMs),
      });
    };
    // The first store takes the only slot and stays there (its workloads never become ready).
    const { store: busy } = await create(60_000);
    const { store: waiting } = await create(500);
    engine.start();
    onTestFinished(() => engine.stop());

    await expect
      .poll(async () => (await repository.get(waiting.id))?.status, { timeout: 10_000 })
      .toBe('Failed');
    const failed = await repository.get(waiting.id);
    expect(failed).toMatchObject({ step: 'queued', reasonCode: 'TIMEOUT' });
    expect(failed?.reasonMessage).toContain('waited in the provisioning queue past its deadline');
    expect((await repository.events(waiting.id)).map((e) => [e.toStatus, e.step])).toEqual([
      ['Provisioning', null],
      ['Failed', 'queued'],
    ]);
    expect((await repository.get(busy.id))?.status).toBe('Provisioning');
  });
});
