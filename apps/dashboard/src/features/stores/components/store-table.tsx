import type { Store } from '@urumi/contracts';
import { formatDateTime } from '../../../lib/format.ts';
import { Link } from '../../../lib/router.tsx';
import { storeTypeLabels } from '../labels.ts';
import { StatusBadge } from './status-badge.tsx';
import { StepSummary } from './step-summary.tsx';
import { SimulatedTag, StoreUrl } from './store-url.tsx';

function StoreRow({ store }: { store: Store }) {
  return (
    <tr className="border-t border-slate-200 align-top max-sm:block max-sm:py-2">
      <td className="px-3 py-3 max-sm:block max-sm:py-1">
        <Link
          to={`/stores/${store.id}`}
          className="font-medium break-all text-blue-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600"
        >
          {store.name}
        </Link>
        <p className="mt-1 text-xs text-slate-600">
          {storeTypeLabels[store.type]} · created{' '}
          <time dateTime={store.createdAt}>{formatDateTime(store.createdAt)}</time>
        </p>
      </td>
      <td className="px-3 py-3 max-sm:block max-sm:py-1">
        <StatusBadge status={store.status} />
        {/* One line, always present: a step change never moves the rows below. */}
        <p className="mt-1 truncate text-xs text-slate-700">
          <StepSummary store={store} />
          &nbsp;
        </p>
      </td>
      <td className="px-3 py-3 text-sm max-sm:block max-sm:py-1">
        <StoreUrl store={store} />
        {store.simulated && (
          <p className="mt-1 text-xs text-amber-900">
            <SimulatedTag /> nothing answers at this link
          </p>
        )}
      </td>
    </tr>
  );
}

/**
 * Stores as a fixed-layout table, so live changes never resize its columns; on a phone each row
 * stacks into a card.
 */
export function StoreTable({ stores }: { stores: Store[] }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm max-sm:block sm:table-fixed">
        <caption className="sr-only">Stores</caption>
        <colgroup>
          <col className="w-[38%]" />
          <col className="w-[34%]" />
          <col className="w-[28%]" />
        </colgroup>
        <thead className="max-sm:sr-only bg-slate-50 text-xs font-semibold tracking-wide text-slate-700 uppercase">
          <tr>
            <th scope="col" className="px-3 py-2">
              Store
            </th>
            <th scope="col" className="px-3 py-2">
              Status
            </th>
            <th scope="col" className="px-3 py-2">
              URL
            </th>
          </tr>
        </thead>
        <tbody className="max-sm:block">
          {stores.map((store) => (
            <StoreRow key={store.id} store={store} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
