import { storeStatuses, storeTypes } from '@urumi/contracts';
import { SelectField } from '../../../components/ui/field.tsx';
import type { StoreFilters as Filters } from '../api/keys.ts';
import { storeTypeLabels } from '../labels.ts';

export interface StoreFiltersProps {
  filters: Filters;
  onChange: (filters: Filters) => void;
}

export function StoreFilters({ filters, onChange }: StoreFiltersProps) {
  return (
    <div className="grid grid-cols-2 gap-3 sm:flex sm:flex-wrap sm:gap-4">
      <SelectField
        label="Status"
        className="sm:w-48"
        value={filters.status ?? ''}
        onChange={(e) => onChange({ ...filters, status: storeStatuses.find((s) => s === e.target.value) })}
      >
        <option value="">All but deleted</option>
        {storeStatuses.map((status) => (
          <option key={status} value={status}>
            {status}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Type"
        className="sm:w-48"
        value={filters.type ?? ''}
        onChange={(e) => onChange({ ...filters, type: storeTypes.find((t) => t === e.target.value) })}
      >
        <option value="">All types</option>
        {storeTypes.map((type) => (
          <option key={type} value={type}>
            {storeTypeLabels[type]}
          </option>
        ))}
      </SelectField>
    </div>
  );
}
