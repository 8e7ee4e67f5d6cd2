// Urumi's Medusa store: every setting comes from the environment the store chart sets (see
// images/medusa/README.md for the list). Redis backs the event bus, the cache, locking and the
// workflow engine, so the server and the worker (separate pods) share events, locks and workflow state.
import { defineConfig } from '@medusajs/framework/utils';

const env = process.env;

// `medusa build` (in the image build) loads this file too, without the runtime secrets.
const building = process.argv[2] === 'build';

function fail(message: string): never {
  throw new Error(`Urumi Medusa configuration: ${message}`);
}

function required(name: string): string {
  const value = env[name];
  if (building) return value ?? '';
  if (!value) fail(`${name} is not set`);
  return value;
}

/** JWT_SECRET and COOKIE_SECRET: set, and never Medusa's well-known development default. */
function secret(name: string): string {
  const value = required(name);
  if (!building && value === 'supersecret') {
    fail(`${name} is the public default supersecret; set a random secret`);
  }
  return value;
}

const workerModes = ['shared', 'server', 'worker'] as const;
type WorkerMode = (typeof workerModes)[number];
const workerMode = (env.MEDUSA_WORKER_MODE ?? 'shared') as WorkerMode;
if (!workerModes.includes(workerMode)) {
  fail(`MEDUSA_WORKER_MODE must be one of ${workerModes.join(', ')}, not "${workerMode}"`);
}

const disableAdmin = env.DISABLE_MEDUSA_ADMIN ?? 'false';
if (disableAdmin !== 'true' && disableAdmin !== 'false') {
  fail(`DISABLE_MEDUSA_ADMIN must be "true" or "false", not "${disableAdmin}"`);
}

const redisUrl = required('REDIS_URL');
const backendUrl = env.MEDUSA_BACKEND_URL ?? '';

export default defineConfig({
  projectConfig: {
    databaseUrl: required('DATABASE_URL'),
    // Sessions of the admin (connect-redis).
    redisUrl,
    workerMode,
    http: {
      // Comma-separated origins; empty allows no cross-origin browser calls.
      storeCors: env.STORE_CORS ?? '',
      adminCors: env.ADMIN_CORS ?? '',
      authCors: env.AUTH_CORS ?? '',
      jwtSecret: secret('JWT_SECRET'),
      cookieSecret: secret('COOKIE_SECRET'),
    },
  },
  admin: {
    disable: disableAdmin === 'true',
    // Compiled into the admin bundle by `medusa build`: "/" (the default) makes the admin call the
    // origin it is served from, so one image serves every store.
    backendUrl: env.MEDUSA_BACKEND_URL || '/',
  },
  modules: [
    { resolve: '@medusajs/medusa/cache-redis', options: { redisUrl } },
    {
      resolve: '@medusajs/medusa/event-bus-redis',
      options: {
        redisUrl,
        jobOptions: {
          removeOnComplete: { age: 3600, count: 1000 },
          removeOnFail: { age: 3600, count: 1000 },
        },
      },
    },
    { resolve: '@medusajs/medusa/workflow-engine-redis', options: { redis: { redisUrl } } },
    {
      resolve: '@medusajs/medusa/locking',
      options: {
        providers: [
          {
            resolve: '@medusajs/medusa/locking-redis',
            id: 'locking-redis',
            is_default: true,
            options: { redisUrl },
          },
        ],
      },
    },
    {
      resolve: '@medusajs/medusa/file',
      options: {
        providers: [
          {
            resolve: '@medusajs/medusa/file-local',
            id: 'local',
            // Uploads go to <working directory>/static; their URLs start with the store's public URL.
            options: backendUrl ? { backend_url: `${backendUrl.replace(/\/$/, '')}/static` } : {},
          },
        ],
      },
    },
  ],
});
