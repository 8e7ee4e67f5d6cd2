import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HelmPort, ReleaseSpec } from '../../domain/ports.ts';

export type ExecFile = (
  file: string,
  args: string[],
  options: { timeout: number; env: NodeJS.ProcessEnv; maxBuffer: number },
) => Promise<{ stdout: string; stderr: string }>;

const realExec: ExecFile = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(file, args, options, (error, stdout, stderr) => {
      if (error) {
        const detail = (stderr || stdout || error.message).trim().split('\n').slice(-5).join('\n');
        reject(new HelmError(detail, error.killed ? 'timeout' : 'failed'));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });

export class HelmError extends Error {
  override name = 'HelmError';
  readonly kind: 'timeout' | 'failed';
  constructor(message: string, kind: 'timeout' | 'failed') {
    super(`helm: ${message}`);
    this.kind = kind;
  }
}

export interface HelmCliOptions {
  /** Path to the helm binary. */
  binary: string;
  /** The kubeconfig file helm uses; unset → helm's own loading (in-cluster service account). */
  kubeconfig?: string | undefined;
  timeoutMs?: number;
  /** Folder for helm's cache and config, so the platform never shares a user's helm state. */
  homeDir: string;
  exec?: ExecFile;
}

/**
 * Helm through its CLI: argument arrays (never a shell), explicit --kubeconfig and --namespace, a
 * timeout on every call, and values passed as a file, never with --set.
 */
export class HelmCli implements HelmPort {
  readonly #o: HelmCliOptions;
  readonly #exec: ExecFile;

  constructor(options: HelmCliOptions) {
    this.#o = options;
    this.#exec = options.exec ?? realExec;
  }

  async #helm(args: string[], timeoutMs = this.#o.timeoutMs ?? 120_000): Promise<string> {
    const full = [...args, ...(this.#o.kubeconfig ? ['--kubeconfig', this.#o.kubeconfig] : [])];
    const { stdout } = await this.#exec(this.#o.binary, full, {
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: this.#o.homeDir,
        HELM_CACHE_HOME: join(this.#o.homeDir, 'cache'),
        HELM_CONFIG_HOME: join(this.#o.homeDir, 'config'),
        HELM_DATA_HOME: join(this.#o.homeDir, 'data'),
        ...(process.env.KUBERNETES_SERVICE_HOST && {
          KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST,
          KUBERNETES_SERVICE_PORT: process.env.KUBERNETES_SERVICE_PORT ?? '443',
        }),
      },
    });
    return stdout;
  }

  async status(release: string, namespace: string): Promise<{ status: string; revision: number } | null> {
    try {
      const out = await this.#helm(['status', release, '--namespace', namespace, '--output', 'json']);
      const parsed = JSON.parse(out) as { info?: { status?: string }; version?: number };
      return { status: parsed.info?.status ?? 'unknown', revision: parsed.version ?? 0 };
    } catch (error) {
      if (error instanceof HelmError && /not found/i.test(error.message)) return null;
      throw error;
    }
  }

  async upgradeInstall(spec: ReleaseSpec): Promise<void> {
    const file = join(tmpdir(), `urumi-values-${randomBytes(8).toString('hex')}.json`);
    // JSON is YAML; the file holds no secrets (those are in Kubernetes Secrets), still 0600.
    await writeFile(file, JSON.stringify(spec.values), { mode: 0o600 });
    try {
      const args = ['upgrade', '--install', spec.release, spec.chart, '--namespace', spec.namespace];
      for (const extra of spec.valuesFiles) args.push('--values', extra);
      args.push('--values', file, '--timeout', '5m');
      await this.#helm(args, 330_000);
    } finally {
      await rm(file, { force: true });
    }
  }

  async rollback(release: string, namespace: string): Promise<void> {
    await this.#helm(['rollback', release, '--namespace', namespace]);
  }

  async uninstall(release: string, namespace: string): Promise<void> {
    await this.#helm(['uninstall', release, '--namespace', namespace, '--ignore-not-found']);
  }

  async version(): Promise<string> {
    return (await this.#helm(['version', '--short'], 10_000)).trim();
  }
}
