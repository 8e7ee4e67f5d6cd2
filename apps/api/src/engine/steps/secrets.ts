import { randomBytes } from 'node:crypto';
import { storeNamespace } from '../../domain/store-id.ts';
import type { Step } from './step.ts';

function secretValue(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The store's generated passwords, made once: a Secret that exists is never rewritten, so a
 * re-run or an upgrade keeps the database's password.
 */
export const secrets: Step<'secrets'> = {
  id: 'secrets',
  async run(c) {
    for (const secret of c.definition.secrets) {
      await c.cluster.ensureSecret(storeNamespace(c.store.id), secret.name, () =>
        Object.fromEntries(secret.keys.map((key) => [key, secretValue()])),
      );
    }
    return { kind: 'done' };
  },
  budgetMs: 180_000,
  // Secrets live in the store's namespace and go with it.
  undoneBy: ['namespace-delete'],
};
