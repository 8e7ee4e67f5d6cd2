import { useSyncExternalStore } from 'react';

// One shared one-second ticker for every elapsed-time display, started by the first subscriber and
// stopped with the last, so a list of fifty provisioning stores still runs a single interval.
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

function snapshot(): number {
  // Before the ticker runs (first render), refresh a stale value; within a second it stays the same,
  // as useSyncExternalStore requires of consecutive reads.
  if (!timer && Date.now() - now >= 1000) now = Date.now();
  return now;
}

/** The current time in epoch milliseconds, re-rendering the caller once a second. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot);
}
