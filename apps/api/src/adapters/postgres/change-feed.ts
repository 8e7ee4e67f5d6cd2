import type { ChangeFeed } from '../../domain/ports.ts';
import type { Database } from './database.ts';
import { storeChangesChannel } from './store-repository.ts';

/**
 * Store changes from any process on the database, through LISTEN/NOTIFY. One listening connection
 * serves every subscriber of this process.
 */
export async function listenForStoreChanges(
  database: Database,
): Promise<ChangeFeed & { close(): Promise<void> }> {
  const listeners = new Set<(storeId: string) => void>();
  const gapListeners = new Set<() => void>();
  const unlisten = await database.listen(
    storeChangesChannel,
    (storeId) => {
      for (const listener of listeners) listener(storeId);
    },
    () => {
      for (const listener of gapListeners) listener();
    },
  );
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onGap(listener) {
      gapListeners.add(listener);
      return () => gapListeners.delete(listener);
    },
    close: unlisten,
  };
}
