// Running the Medusa application of images/medusa/app as the image runs it: the built app in
// .medusa/server, started with the Medusa CLI on the repository's Node 24, configured only by the
// environment the store chart sets.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { appDir, medusaCli, nodePath, runToEnd, serverDir, type Run } from '../build.ts';

export { appDir, medusaCli, nodePath, runToEnd, serverDir, type Run };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves once a Redis on 127.0.0.1:port answers PING. */
export async function waitForRedis(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (data.includes('\r\n')) socket.end();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(''));
    });
    if (answer.startsWith('+PONG')) return;
    if (Date.now() > deadline)
      throw new Error(`Redis on port ${port} did not answer PING in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface StoreEnvironment {
  databaseUrl: string;
  redisUrl: string;
  jwtSecret: string;
  cookieSecret: string;
}

/**
 * The environment the store chart sets on every Medusa container (server, worker and the Jobs),
 * on top of the image's own (NODE_ENV, MEDUSA_DISABLE_TELEMETRY). Nothing of the test runner's
 * environment leaks in but PATH and HOME.
 */
export function storeEnvironment(
  store: StoreEnvironment,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: nodePath(),
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    MEDUSA_DISABLE_TELEMETRY: 'true',
    DATABASE_URL: store.databaseUrl,
    REDIS_URL: store.redisUrl,
    JWT_SECRET: store.jwtSecret,
    COOKIE_SECRET: store.cookieSecret,
    STORE_CORS: 'http://store.localhost',
    ADMIN_CORS: 'http://store.localhost',
    AUTH_CORS: 'http://store.localhost',
    MEDUSA_BACKEND_URL: 'http://store.localhost',
    ...extra,
  };
}

/** One `medusa <args>` in the built app, to its end. */
export function medusa(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return runToEnd(process.execPath, [medusaCli, ...args], { cwd: serverDir, env });
}

export interface MedusaProcess {
  child: ChildProcess;
  port: number;
  /** Everything printed so far. */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `medusa start` in the built app, on 127.0.0.1 and a free port. */
export async function startMedusa(env: NodeJS.ProcessEnv): Promise<MedusaProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [medusaCli, 'start'], {
    cwd: serverDir,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    port,
    output: () => output,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

/** Polls until `probe` resolves true, or fails with `what` and the process output after timeoutMs. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  process_?: MedusaProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    if (process_ && process_.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `${what} did not happen in ${timeoutMs} ms${process_ ? `:\n${process_.output().slice(-4000)}` : ''}`,
  );
}
