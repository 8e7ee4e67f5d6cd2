import type { Clock } from '../../src/domain/ports.ts';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when the test says so. Timers fire in order of their time (then of
 * their scheduling), each followed by `settle`, which lets the async work it started run. With an
 * in-process database and nothing else waiting on real time, a run is then a function of its
 * inputs: the same seed, the same run.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  readonly #settle: () => Promise<void>;

  constructor(start: Date, settle: () => Promise<void>) {
    this.#now = start.getTime();
    this.#settle = settle;
  }

  now(): Date {
    return new Date(this.#now);
  }

  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time `ms` forward, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      await this.#settle();
      const next = this.#timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = until;
    await this.#settle();
  }

  get pending(): number {
    return this.#timers.length;
  }
}
