/**
 * Pod annotations understood by the test cluster's KWOK stages (`stages/pods.yaml`). Put them on a
 * pod template (a chart value in tests) to choose how its pods behave. Durations use Go syntax
 * (`"500ms"`, `"30s"`).
 */
export const simulation = {
  /** Ready no sooner than this long after the pod started. */
  readyAfter: 'sim.urumi.io/ready-after',
  /** With readyAfter: Ready at a uniformly random time between readyAfter and this. */
  readyBefore: 'sim.urumi.io/ready-before',
  /** Running but never Ready. */
  neverReady: 'sim.urumi.io/never-ready',
  /** Containers crash every given duration: CrashLoopBackOff with a growing restart count. */
  crashLoop: 'sim.urumi.io/crash-loop',
  /** The pod stays Pending with ImagePullBackOff. */
  imagePullFailure: 'sim.urumi.io/image-pull-failure',
  /** A Job's pod finishes this long after it became Ready. */
  completeAfter: 'sim.urumi.io/complete-after',
  /** A Job's pod exits 1 instead of 0. */
  jobFailure: 'sim.urumi.io/job-failure',
} as const;
