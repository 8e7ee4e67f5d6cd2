import { randomBytes } from 'node:crypto';

/** A new store id: 12 lowercase hex characters (48 random bits). */
export function newStoreId(random: (size: number) => Buffer = randomBytes): string {
  return random(6).toString('hex');
}

/** `host[:port]` of a store URL: the port only when it is not the scheme's own. */
export function storeAuthority(host: string, scheme: 'http' | 'https', port?: number): string {
  return port === undefined || port === (scheme === 'https' ? 443 : 80) ? host : `${host}:${port}`;
}

/** The Kubernetes namespace that holds one store. */
export function storeNamespace(id: string): string {
  return `store-${id}`;
}
