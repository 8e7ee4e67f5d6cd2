import type { Health } from '@urumi/contracts';
import { Alert } from '../../../components/ui/alert.tsx';
import { useHealth } from '../api/get-health.ts';

const parts: Record<keyof Health['checks'], string> = {
  database: 'the database',
  kubernetes: 'Kubernetes',
  helm: 'Helm',
};

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** A banner while the API reports a dependency down, or cannot be reached at all. */
export function HealthBanner() {
  const health = useHealth();
  if (health.isError) {
    return (
      <Alert tone="warning" role="alert" title="Urumi cannot be reached">
        The dashboard shows the last data it received and keeps trying.
      </Alert>
    );
  }
  const report = health.data;
  if (report?.status !== 'unhealthy') return null;
  const down = (Object.keys(parts) as (keyof Health['checks'])[]).filter((k) => !report.checks[k]);
  const names = list(down.map((k) => parts[k]));
  return (
    <Alert
      tone="warning"
      role="alert"
      title={`Urumi is degraded: ${names} ${down.length > 1 ? 'are' : 'is'} unavailable`}
    >
      New stores wait and changes are not applied until {down.length > 1 ? 'they recover' : 'it recovers'}.
    </Alert>
  );
}
