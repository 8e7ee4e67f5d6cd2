import { z } from 'zod';
import { storeIdSchema, storeNameSchema, storeStatusSchema, storeTypeSchema } from './store.ts';

/** Stable error codes, part of the API contract. */
export const errorCodes = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'BODY_TOO_LARGE',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NAME_TAKEN',
  'STORE_LIMIT_REACHED',
  'IDEMPOTENCY_KEY_REUSED',
  'INVALID_STATE',
  'RATE_LIMITED',
  'INTERNAL',
  'UNAVAILABLE',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** Every error the API returns has this shape. `details` is present for validation errors. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/**
 * Why a store failed, is degraded or is still waiting: stable codes, part of the API contract. The
 * API sends each with a specific message and a hint; the dashboard has a title for each.
 */
export const reasonCodes = [
  'TIMEOUT',
  'SCHEDULING_FAILED',
  'QUOTA_EXCEEDED',
  'IMAGE_PULL_FAILED',
  'CRASH_LOOP',
  'OOM_KILLED',
  'VOLUME_PENDING',
  'MIGRATIONS_FAILED',
  'SETUP_FAILED',
  'RELEASE_FAILED',
  'KUBERNETES_ERROR',
  'NOT_READY',
  'PLATFORM_MISCONFIGURED',
  'SITE_ERROR',
  'SITE_UNREACHABLE',
  'TEARDOWN_BLOCKED',
] as const;
export const reasonCodeSchema = z.enum(reasonCodes);
export type ReasonCode = z.infer<typeof reasonCodeSchema>;

/** The steps a store goes through; `queued` waits for a provisioning slot. */
export const provisionSteps = [
  'queued',
  'namespace',
  'secrets',
  'release',
  'database',
  'app',
  'setup',
  'verify',
] as const;
export const teardownSteps = ['uninstall', 'volumes', 'namespace-delete'] as const;
export const storeStepSchema = z.enum([...provisionSteps, ...teardownSteps]);
export type StoreStep = z.infer<typeof storeStepSchema>;

export const createStoreBodySchema = z.strictObject({
  type: storeTypeSchema,
  name: storeNameSchema.optional(),
});
export type CreateStoreBody = z.infer<typeof createStoreBodySchema>;

export const storeSchema = z.object({
  id: storeIdSchema,
  name: z.string(),
  type: storeTypeSchema,
  status: storeStatusSchema,
  step: storeStepSchema.nullable(),
  /** 1-based position among queued stores, when `step` is `queued`. */
  queuePosition: z.number().int().positive().nullable(),
  reason: z.object({ code: reasonCodeSchema, message: z.string(), hint: z.string().nullable() }).nullable(),
  url: z.string(),
  adminUrl: z.string(),
  /**
   * The store's pods are simulated (a test cluster's KWOK nodes, e.g. `npm start` on the local
   * cluster): Kubernetes reports them Ready, but no container runs, so its URLs open nothing.
   */
  simulated: z.boolean(),
  namespace: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  readyAt: z.iso.datetime().nullable(),
  deletedAt: z.iso.datetime().nullable(),
  /** When the current status or step times out. */
  deadlineAt: z.iso.datetime().nullable(),
  stepStartedAt: z.iso.datetime().nullable(),
});
export type Store = z.infer<typeof storeSchema>;

export const storeParamsSchema = z.strictObject({ id: storeIdSchema });

export const listStoresQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'a cursor is the opaque nextCursor of a previous page')
    .optional(),
  status: storeStatusSchema.optional(),
  type: storeTypeSchema.optional(),
});
export type ListStoresQuery = z.infer<typeof listStoresQuerySchema>;

export const storeListSchema = z.object({
  items: z.array(storeSchema),
  nextCursor: z.string().nullable(),
});

/**
 * One entry of a store's timeline: either a request that changed its status (`step` null, e.g.
 * created, delete requested, retry requested) or a step that finished (`step` is the finished
 * step, `durationMs` the time spent in it; `toStatus` Failed when it failed).
 */
export const storeEventSchema = z.object({
  id: z.number().int(),
  storeId: storeIdSchema,
  at: z.iso.datetime(),
  actor: z.string(),
  fromStatus: storeStatusSchema.nullable(),
  toStatus: storeStatusSchema,
  step: storeStepSchema.nullable(),
  reasonCode: reasonCodeSchema.nullable(),
  message: z.string().nullable(),
  durationMs: z.number().int().nullable(),
});
export type StoreEvent = z.infer<typeof storeEventSchema>;
export const storeEventListSchema = z.object({ items: z.array(storeEventSchema) });

export const healthSchema = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  timestamp: z.iso.datetime(),
  checks: z.object({ database: z.boolean(), kubernetes: z.boolean(), helm: z.boolean() }),
});
export type Health = z.infer<typeof healthSchema>;

/** `/livez` and `/readyz`: whether this process is alive, and whether it can serve requests. */
export const readinessSchema = z.object({ status: z.enum(['ok', 'unavailable']) });
export type Readiness = z.infer<typeof readinessSchema>;
