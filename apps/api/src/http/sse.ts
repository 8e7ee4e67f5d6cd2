import type { Store } from '@urumi/contracts';
import type { ChangeFeed } from '../domain/ports.ts';

interface Listener {
  store(store: Store): void;
  /** Changes may have been missed; the client must resynchronise (the route ends its stream). */
  gap(): void;
}

/**
 * Fans store changes out to every Server-Sent Events client of this process: one read of the
 * changed store per change, however many clients listen. Changes to one store that arrive while
 * it is being read are coalesced into one more read.
 */
export class StoreEventsHub {
  readonly #listeners = new Set<Listener>();
  readonly #load: (id: string) => Promise<Store | null>;
  readonly #pending = new Map<string, boolean>();
  #unsubscribe: (() => void)[] = [];

  constructor(options: { changes: ChangeFeed; load: (id: string) => Promise<Store | null> }) {
    this.#load = options.load;
    this.#unsubscribe = [
      options.changes.subscribe((id) => this.#changed(id)),
      options.changes.onGap(() => {
        for (const listener of this.#listeners) listener.gap();
      }),
    ];
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#listeners.clear();
  }

  #changed(id: string): void {
    if (this.#listeners.size === 0) return;
    if (this.#pending.has(id)) {
      this.#pending.set(id, true);
      return;
    }
    this.#pending.set(id, false);
    void this.#publish(id);
  }

  async #publish(id: string): Promise<void> {
    try {
      const store = await this.#load(id).catch(() => null);
      if (store) for (const listener of this.#listeners) listener.store(store);
    } finally {
      const again = this.#pending.get(id);
      this.#pending.delete(id);
      if (again) this.#changed(id);
    }
  }
}
