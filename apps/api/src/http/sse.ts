import type { Store } from '@urumi/contracts';
import type { ChangeFeed } from '../domain/ports.ts';

interface Listener {
  store(store: Store): void;
  /**
   * The stream must end: changes may have been missed, or this process is shutting down. The
   * client reconnects (to any replica) and reloads what it shows.
   */
  end(): void;
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
      options.changes.onGap(() => this.endAll()),
    ];
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }

  /** Ends every open stream (their clients reconnect); the hub keeps serving new ones. */
  endAll(): void {
    for (const listener of [...this.#listeners]) listener.end();
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
