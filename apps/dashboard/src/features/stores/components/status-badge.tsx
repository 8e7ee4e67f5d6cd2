import type { StoreStatus } from '@urumi/contracts';
import { statusTones } from '../labels.ts';

const isBusy = (status: StoreStatus) => status === 'Provisioning' || status === 'Deleting';

export function StatusBadge({ status }: { status: StoreStatus }) {
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${statusTones[status]}`}
    >
      <span
        aria-hidden="true"
        className={`size-1.5 rounded-full bg-current ${isBusy(status) ? 'motion-safe:animate-pulse' : ''}`}
      />
      {status}
    </span>
  );
}
