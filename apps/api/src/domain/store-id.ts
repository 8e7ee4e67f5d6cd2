import { randomBytes } from 'node:crypto';

/** A new store id: 12 lowercase hex characters (48 random bits). */
export function newStoreId(random: (size: number) => Buffer = randomBytes): string {
  return random(6).toString('hex');
}

/** The Kubernetes namespace that holds one store. */
export function storeNamespace(id: string): string {
  return `store-${id}`;
}
