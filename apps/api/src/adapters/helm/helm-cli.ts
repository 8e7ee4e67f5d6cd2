import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationProblem } from '../../domain/errors.ts';
import type { HelmPort, ReleaseSpec } from '../../domain/ports.ts';

export type ExecFile = (
  file: string,
  args: string[],
  options: { timeout: number; env: NodeJS.ProcessEnv; maxBuffer: number },
) => Promise<{ stdout: string; stderr: string }>;

const realExec: ExecFile = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(file, args, options, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES') {
        return reject(
          new ConfigurationProblem(
            `helm: the helm binary "${file}" cannot be run (${code}); set HELM_BINARY to a helm 4 binary`,
          ),
        );
      }
      const detail = (stderr || stdout || error.message).trim().split('\n').slice(-5).join('\n');
      if (isConfigurationMistake(detail)) return reject(new ConfigurationProblem(`helm: ${detail}`));
      reject(new HelmError(detail, error.killed ? 'timeout' : 'failed'));
    });
  });

/**
 * What helm says when its configuration, not the cluster, is wrong: no or a broken kubeconfig, a
 * credential plugin that is not installed, a chart or values file that is not there or that the
 * chart's schema refuses. Repeating the command cannot help, so the store fails at once.
 */
function isConfigurationMistake(output: string): boolean {
  return [
    /Get "http:\/\/localhost:8080\//,
    /no configuration has been provided/i,
    /error loading config file/i,
    /context "[^"]*" does not exist/i,
    /invalid configuration:/i,
    /exec: executable .* not found/i,
    /exec plugin: invalid apiVersion/i,
    /Error: path "[^"]*" not found/,
    /Chart\.yaml file is missing/,
    /values don't meet the specifications of the schema/,
    /unknown flag: /,
  ].some((pattern) => pattern.test(output));
}

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
  /**
   * The kubeconfig file helm uses (see kubeconfigForHelm); unset → helm's own in-cluster loading
   * of the pod's ServiceAccount.
   */
  kubeconfig?: string | undefined;
  timeoutMs?: number;
  /** Folder for helm's cache, config and data, so the platform never shares a user's helm state. */
  homeDir: string;
  /** The environment helm runs in (default: this process's), less what would point it elsewhere. */
  env?: NodeJS.ProcessEnv;
  exec?: ExecFile;
}

/**
 * helm's environment: Urumi's own, so credential plugins find their PATH, HOME and cloud settings
 * (AWS_PROFILE, CLOUDSDK_CONFIG, ...), with helm's state moved to `homeDir`, and without the
 * variables that would make helm talk to another cluster, context or namespace than the one
 * given on its command line.
 */
export function helmEnvironment(env: NodeJS.ProcessEnv, homeDir: string): NodeJS.ProcessEnv {
  const kept = Object.entries(env).filter(
    ([name]) => name !== 'KUBECONFIG' && name !== 'HELM_NAMESPACE' && !name.startsWith('HELM_KUBE'),
  );
  return {
    ...Object.fromEntries(kept),
    HELM_CACHE_HOME: join(homeDir, 'cache'),
    HELM_CONFIG_HOME: join(homeDir, 'config'),
    HELM_DATA_HOME: join(homeDir, 'data'),
  };
}

/**
 * Helm through its CLI: argument arrays (never a shell), explicit --kubeconfig and --namespace, a
 * timeout on every call, and values passed as a file, never with --set.
 */
export class HelmCli implements HelmPort {
  readonly #o: HelmCliOptions;
  readonly #exec: ExecFile;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: HelmCliOptions) {
    this.#o = options;
    this.#exec = options.exec ?? realExec;
    this.#env = helmEnvironment(options.env ?? process.env, options.homeDir);
  }

  async #helm(args: string[], timeoutMs = this.#o.timeoutMs ?? 120_000): Promise<string> {
    const full = [...args, ...(this.#o.kubeconfig ? ['--kubeconfig', this.#o.kubeconfig] : [])];
    const { stdout } = await this.#exec(this.#o.binary, full, {
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
      env: this.#env,
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

  /**
   * Whether helm reaches the cluster with its configuration: it lists releases in `default`. A
   * refusal by RBAC (a least-privilege platform may not read Secrets there) still proves helm
   * connected and authenticated; anything else (unreachable, no credentials) does not.
   */
  async reachesCluster(): Promise<boolean> {
    try {
      await this.#helm(['list', '--namespace', 'default', '--max', '1', '--output', 'json'], 10_000);
      return true;
    } catch (error) {
      return error instanceof HelmError && /\bis forbidden: User "/.test(error.message);
    }
  }
}
