import { and, eq, isNull, sql } from 'drizzle-orm';
import type { ApiToken, TokenRepository } from '../../domain/ports.ts';
import type { Db } from './database.ts';
import { apiTokens } from './schema.ts';

export class PostgresTokenRepository implements TokenRepository {
  readonly #db: Db;

  constructor(options: { db: Db }) {
    this.#db = options.db;
  }

  async findByHash(hash: string): Promise<ApiToken | null> {
    const [row] = await this.#db
      .select({ id: apiTokens.id, name: apiTokens.name })
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
    return row ?? null;
  }

  async create(token: { id: string; name: string; hash: string }): Promise<void> {
    // Replicas starting together register the same configured token: the first one wins.
    await this.#db
      .insert(apiTokens)
      .values({ id: token.id, name: token.name, tokenHash: token.hash })
      .onConflictDoNothing({ target: apiTokens.tokenHash });
  }

  async count(): Promise<number> {
    const [row] = await this.#db.select({ n: sql<number>`count(*)::int` }).from(apiTokens);
    return row?.n ?? 0;
  }
}
