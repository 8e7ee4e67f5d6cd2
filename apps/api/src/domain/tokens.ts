import { createHash, randomBytes } from 'node:crypto';
import type { TokenRepository } from './ports.ts';

/** API tokens are 32 random bytes, shown once; only their SHA-256 is stored. */
export function generateToken(): string {
  return `urumi_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Makes sure an admin token exists. A configured token is registered (by hash) if it is new; with
 * none configured, the first start creates one and returns it so the caller can print it once.
 */
export async function ensureAdminToken(
  tokens: TokenRepository,
  configured: string | undefined,
): Promise<{ created: string | null }> {
  if (configured) {
    const hash = hashToken(configured);
    if (!(await tokens.findByHash(hash)))
      await tokens.create({ id: randomBytes(4).toString('hex'), name: 'admin', hash });
    return { created: null };
  }
  if ((await tokens.count()) > 0) return { created: null };
  const token = generateToken();
  await tokens.create({ id: randomBytes(4).toString('hex'), name: 'admin', hash: hashToken(token) });
  return { created: token };
}
