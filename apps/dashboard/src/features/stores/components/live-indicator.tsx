import { pollIntervalMs, useLiveStatus } from '../api/live-updates.tsx';

const texts = {
  connecting: 'Connecting…',
  live: 'Live',
  down: `Reconnecting; refreshing every ${pollIntervalMs / 1000} s`,
};

/** Whether store changes arrive live, or by polling while the event stream reconnects. */
export function LiveIndicator() {
  const status = useLiveStatus();
  return (
    <p role="status" className="flex items-center gap-2 text-xs text-slate-700">
      <span
        aria-hidden="true"
        className={`size-2 rounded-full ${status === 'live' ? 'bg-green-600' : status === 'down' ? 'bg-amber-500' : 'bg-slate-400'}`}
      />
      {texts[status]}
    </p>
  );
}
