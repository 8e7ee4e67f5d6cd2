import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Failed sign-ins per client address in fixed windows, with a bounded memory: at most
 * `maxAddresses` addresses are remembered, the least recently failing one is forgotten first. Under
 * a flood of distinct addresses an old address's count may be forgotten early; a valid token is
 * never refused by this limiter (the caller checks the token first), so forgetting only ever
 * lets a bad guess through sooner, it never locks anyone out.
 */
export class FailedSignIns {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxAddresses: number;
  /** Map order is recency order: the first key is the least recently failing address. */
  readonly #windows = new Map<string, { count: number; startedAt: number }>();

  constructor(o: { limit: number; windowMs?: number; maxAddresses?: number }) {
    this.#limit = o.limit;
    this.#windowMs = o.windowMs ?? 60_000;
    this.#maxAddresses = o.maxAddresses ?? 10_000;
  }

  /** Seconds until `address` may try again, or 0 when it may try now. */
  blockedFor(address: string, now: number): number {
    const window = this.#windows.get(address);
    if (!window) return 0;
    const endsAt = window.startedAt + this.#windowMs;
    if (now >= endsAt) {
      this.#windows.delete(address);
      return 0;
    }
    return window.count >= this.#limit ? Math.max(1, Math.ceil((endsAt - now) / 1000)) : 0;
  }

  record(address: string, now: number): void {
    const window = this.#windows.get(address);
    this.#windows.delete(address);
    if (window && now < window.startedAt + this.#windowMs) {
      this.#windows.set(address, { count: window.count + 1, startedAt: window.startedAt });
    } else {
      this.#windows.set(address, { count: 1, startedAt: now });
    }
    while (this.#windows.size > this.#maxAddresses) {
      const oldest = this.#windows.keys().next().value;
      if (oldest === undefined) break;
      this.#windows.delete(oldest);
    }
  }

  /** How many addresses are remembered now. */
  get size(): number {
    return this.#windows.size;
  }
}

/** The bearer token of an `Authorization` header, or null when there is none in the right form. */
export function bearerToken(header: string | undefined): string | null {
  return /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? '')?.[1] ?? null;
}

/** Compares two secrets in time that does not depend on where they differ (nor on their lengths). */
export function secretsEqual(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
