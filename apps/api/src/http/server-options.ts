import { errorBodySchema, type Health } from '@urumi/contracts';
import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ChangeFeed, TokenRepository } from '../domain/ports.ts';
import type { StoreService } from '../domain/store-service.ts';

/** The Fastify instance the routes are registered on, with zod schemas as its type provider. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger,
  ZodTypeProvider
>;

export interface ServerOptions {
  logger: Logger;
  stores: StoreService;
  tokens: TokenRepository;
  changes: ChangeFeed;
  /** The brief's full check: database, Kubernetes and helm (`/api/health`). */
  health: () => Promise<Health['checks']>;
  /** Whether this replica can serve requests, i.e. its database answers (`/readyz`). */
  ready: () => Promise<boolean>;
  metrics: Registry;
  bodyLimit: number;
  corsOrigin?: string | undefined;
  createRateLimitPerMinute: number;
  authFailuresPerMinute: number;
  metricsToken?: string | undefined;
  /** Where the built dashboard is, to serve it at `/`; unset → not served. */
  dashboardDir?: string | undefined;
  /** Whether an error means a dependency (the database) is unreachable: answered 503, not 500. */
  isUnavailable?: (error: unknown) => boolean;
  /**
   * Addresses or CIDRs of the proxies in front (an ingress controller): their X-Forwarded-For
   * names the client. Empty: the client is the connection's peer.
   */
  trustedProxies?: string[];
  /** `operations`: only the probes, health and metrics (a `URUMI_ROLE=worker` process). */
  routes?: 'all' | 'operations';
}

/**
 * The error responses each route documents (all `errorBodySchema`). Every authenticated route can
 * answer 400 (bad input), 401 (no or a wrong token), 429 (too many failed sign-ins) and 503 (the
 * database is unreachable); the rest are added where a route can send them.
 */
export const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  429: errorBodySchema,
  503: errorBodySchema,
};
export const storeErrors = { ...errors, 404: errorBodySchema };
export const createErrors = {
  ...errors,
  409: errorBodySchema,
  413: errorBodySchema,
  415: errorBodySchema,
  422: errorBodySchema,
};
