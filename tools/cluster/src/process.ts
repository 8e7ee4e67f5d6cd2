import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export class CommandError extends Error {
  override name = 'CommandError';
  readonly exitCode: number | null;
  readonly output: string;
  constructor(command: string, exitCode: number | null, output: string) {
    super(`${command} failed (exit ${exitCode ?? 'signal'}):\n${tail(output, 40)}`);
    this.exitCode = exitCode;
    this.output = output;
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a command with an argument array (never a shell) and returns its output. */
export function run(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null;
          reject(
            new CommandError(`${command} ${args.join(' ')}`, code, `${stdout}${stderr}` || error.message),
          );
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

/**
 * Runs a slow command, printing a start line, a heartbeat every `heartbeatMs` and the elapsed time
 * at the end. Output is kept and shown only when the command fails.
 */
export function runWithProgress(
  command: string,
  args: string[],
  options: RunOptions & { label: string; log: (line: string) => void; heartbeatMs?: number },
): Promise<void> {
  const { label, log } = options;
  const started = Date.now();
  log(`${label}: building…`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-256 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const heartbeat = setInterval(
      () => log(`${label}: still building (${formatDuration(Date.now() - started)})`),
      options.heartbeatMs ?? 30_000,
    );
    child.on('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(heartbeat);
      if (code === 0) {
        log(`${label}: done in ${formatDuration(Date.now() - started)}`);
        resolve();
      } else {
        reject(new CommandError(`${command} ${args.join(' ')}`, code, output));
      }
    });
  });
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * Whether `pid` is a live (not zombie) process; with `binary`, also that it runs that binary (kwokctl
 * links each component's binary under the component's name), so a stale pid file whose number was
 * reused by another process does not pass for a running component.
 */
export function isAlive(pid: number, binary?: string): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No procfs (not Linux): fall back to signal 0, which cannot tell zombies apart.
    if (existsSync('/proc/self/stat')) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  if (!binary) return true;
  const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  return basename(argv0) === binary;
}
