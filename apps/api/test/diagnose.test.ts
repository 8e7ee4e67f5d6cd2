import { describe, expect, it } from 'vitest';
import type { NamespaceSnapshot, PodView } from '../src/domain/ports.ts';
import { backoffMs } from '../src/engine/engine.ts';
import { diagnose } from '../src/engine/diagnose.ts';

const empty: NamespaceSnapshot = {
  exists: true,
  terminating: false,
  statefulSets: [],
  deployments: [],
  jobs: [],
  pods: [],
  volumeClaims: [],
};

const pod = (overrides: Partial<PodView>): PodView => ({
  name: 'wordpress-1',
  phase: 'Running',
  ready: true,
  unschedulable: null,
  waiting: [],
  terminated: [],
  restarts: 0,
  ...overrides,
});

describe('diagnose: Kubernetes signals to reason codes', () => {
  it.each([
    ['nothing wrong', empty, null],
    [
      'a quota refusal on a workload',
      {
        ...empty,
        deployments: [
          {
            name: 'wordpress',
            desired: 1,
            ready: 0,
            available: 0,
            upToDate: true,
            failure: 'pods "x" is forbidden: exceeded quota: store-quota',
            stuckPods: [],
          },
        ],
      },
      'QUOTA_EXCEEDED',
    ],
    [
      'an unschedulable pod',
      { ...empty, pods: [pod({ phase: 'Pending', ready: false, unschedulable: '0/4 nodes are available' })] },
      'SCHEDULING_FAILED',
    ],
    [
      'a pending volume',
      { ...empty, volumeClaims: [{ name: 'data-mariadb-0', phase: 'Pending' }] },
      'VOLUME_PENDING',
    ],
    [
      'an OOM kill',
      { ...empty, pods: [pod({ ready: false, terminated: [{ reason: 'OOMKilled', exitCode: 137 }] })] },
      'OOM_KILLED',
    ],
    [
      'an image that does not pull',
      {
        ...empty,
        pods: [
          pod({
            phase: 'Pending',
            ready: false,
            waiting: [{ reason: 'ImagePullBackOff', message: 'Back-off pulling image' }],
          }),
        ],
      },
      'IMAGE_PULL_FAILED',
    ],
    [
      'a crash loop',
      {
        ...empty,
        pods: [pod({ ready: false, restarts: 4, waiting: [{ reason: 'CrashLoopBackOff', message: '' }] })],
      },
      'CRASH_LOOP',
    ],
    [
      'a failed job',
      {
        ...empty,
        jobs: [{ name: 'woocommerce-setup', complete: false, failed: true, message: 'BackoffLimitExceeded' }],
      },
      'SETUP_FAILED',
    ],
    ['a running pod that is not ready', { ...empty, pods: [pod({ ready: false })] }, 'NOT_READY'],
  ] as const)('%s', (_name, snapshot, code) => {
    expect(diagnose(snapshot as NamespaceSnapshot)?.code ?? null).toBe(code);
  });

  it('reads quota refusals from FailedCreate warning events too', () => {
    const reason = diagnose(empty, [
      {
        reason: 'FailedCreate',
        message: 'create Pod mariadb-0 failed: exceeded quota: store-quota',
        object: 'StatefulSet/mariadb',
      },
    ]);
    expect(reason).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(reason?.message).toContain('store-quota');
  });

  it('names scheduling before image pulls: a pod that cannot be placed never pulls anything', () => {
    const reason = diagnose({
      ...empty,
      pods: [
        pod({
          name: 'a',
          phase: 'Pending',
          ready: false,
          waiting: [{ reason: 'ErrImagePull', message: '' }],
        }),
        pod({ name: 'b', phase: 'Pending', ready: false, unschedulable: 'Insufficient cpu' }),
      ],
    });
    expect(reason?.code).toBe('SCHEDULING_FAILED');
  });
});

describe('engine helpers', () => {
  it('backs off exponentially with jitter, capped at 30 s', () => {
    expect(backoffMs(1, () => 0.5)).toBe(1_000);
    expect(backoffMs(3, () => 0.5)).toBe(4_000);
    expect(backoffMs(20, () => 0.5)).toBe(30_000);
    expect(backoffMs(2, () => 0)).toBe(1_500);
    expect(backoffMs(2, () => 1)).toBe(2_500);
  });
});
