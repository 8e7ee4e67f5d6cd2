import { useQueryClient } from '@tanstack/react-query';
import { storeSchema } from '@urumi/contracts';
import { createContext, use, useEffect, useState, type ReactNode } from 'react';
import { isApiError } from '../../../lib/api-client.ts';
import { useApiClient } from '../../../lib/auth.tsx';
import { readEventStream, type ServerSentEvent } from '../../../lib/event-stream.ts';
import { upsertStore } from './cache.ts';
import { storeKeys } from './keys.ts';

/** `down`: the stream is not connected, so queries poll instead. */
export type LiveStatus = 'connecting' | 'live' | 'down';

/** How often store queries refetch while the event stream is down. */
export const pollIntervalMs = 5_000;
/** The API sends a comment every 15 s; this long without a byte means the connection is dead. */
const stallTimeoutMs = 45_000;
const maxBackoffMs = 30_000;

function backoffMs(attempt: number): number {
  const base = Math.min(maxBackoffMs, 1_000 * 2 ** attempt);
  return base * (0.8 + Math.random() * 0.4);
}

const LiveStatusContext = createContext<LiveStatus>('down');

/** The live status of the store event stream; `down` (so: poll) outside a provider. */
export function useLiveStatus(): LiveStatus {
  return use(LiveStatusContext);
}

/** Refetch interval for store queries: none while events arrive, every 5 s while they cannot. */
export function usePollWhileOffline(): number | false {
  return useLiveStatus() === 'down' ? pollIntervalMs : false;
}

/**
 * Keeps one `GET /events` stream open while mounted (fetch, so the token travels in a header and
 * never in a URL) and writes each `store` event into the query cache. When the stream fails or ends
 * it reconnects with exponential backoff; after a reconnect it refetches store queries once, since
 * changes may have been missed while it was down.
 */
export function LiveUpdatesProvider({ children }: { children: ReactNode }) {
  const api = useApiClient();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');

  useEffect(() => {
    const stopped = new AbortController();
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let hasConnected = false;
    // The server's `retry:` is a floor for the reconnection delay (the API sends 3 s).
    let serverRetryMs = 0;
    const onRetry = (ms: number) => {
      serverRetryMs = ms;
    };

    const onEvent = (event: ServerSentEvent) => {
      if (event.type !== 'store') return;
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        return;
      }
      const parsed = storeSchema.safeParse(json);
      if (!parsed.success) return;
      upsertStore(queryClient, parsed.data);
      void queryClient.invalidateQueries({ queryKey: storeKeys.events(parsed.data.id) });
    };

    const connect = async () => {
      const connection = new AbortController();
      const abort = () => connection.abort();
      stopped.signal.addEventListener('abort', abort);
      let stallTimer: ReturnType<typeof setTimeout> | undefined;
      const onActivity = () => {
        clearTimeout(stallTimer);
        stallTimer = setTimeout(abort, stallTimeoutMs);
      };
      try {
        const body = await api.openStream('/events', connection.signal);
        setStatus('live');
        attempt = 0;
        if (hasConnected) void queryClient.invalidateQueries({ queryKey: storeKeys.all });
        hasConnected = true;
        onActivity();
        await readEventStream(body, { onEvent, onRetry, onActivity });
      } catch (error) {
        // A 401 signs the user out (the API client does that); nothing left to reconnect.
        if (isApiError(error) && error.status === 401) return;
      } finally {
        clearTimeout(stallTimer);
        stopped.signal.removeEventListener('abort', abort);
      }
      if (stopped.signal.aborted) return;
      setStatus('down');
      retryTimer = setTimeout(() => void connect(), Math.max(serverRetryMs, backoffMs(attempt++)));
    };

    void connect();
    return () => {
      stopped.abort();
      clearTimeout(retryTimer);
    };
  }, [api, queryClient]);

  return <LiveStatusContext value={status}>{children}</LiveStatusContext>;
}
