// What the application builds behind the images built here share (images/medusa/build.ts,
// images/urumi/build.ts): commands run to their end, content hashes of inputs, the repository's Node.
import { createHash } from 'node:crypto';
import { spawn, type SpawnOptions } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { delimiter, dirname, join, relative } from 'node:path';

/** PATH with the running Node (24, the repository's) first, for tools that find `node` on PATH. */
export function nodePath(): string {
  return [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved. */
  output: string;
}

/** Runs a command (argument array, no shell) to its end; never rejects on a non-zero exit. */
export async function runToEnd(command: string, args: string[], options: SpawnOptions): Promise<Run> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
}

/** Throws with the end of the output when a step did not exit 0. */
export function check(step: string, run: Run): void {
  if (run.code !== 0) {
    throw new Error(`${step} failed (exit ${run.code ?? run.signal}):\n${run.output.slice(-4000)}`);
  }
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * A hash of the files' paths (relative to `root`, so every clone agrees) and contents, after `seed`.
 */
export async function sha256Of(paths: string[], root: string, seed = ''): Promise<string> {
  const hash = createHash('sha256').update(seed);
  for (const path of paths)
    hash
      .update(relative(root, path))
      .update('\0')
      .update(await readFile(path))
      .update('\0');
  return hash.digest('hex');
}

/** Every file below `dir`, sorted; `skip(name)` leaves out a folder or file by its name. */
export async function filesUnder(
  dir: string,
  skip: (name: string) => boolean = () => false,
): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && !skip(entry.name))
    .filter((entry) => !relative(dir, entry.parentPath).split('/').some(skip))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
