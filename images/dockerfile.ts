// A small reader for the Dockerfiles under images/, for their unit tests: enough to check what the
// images pin and run, not a full Dockerfile parser (no heredocs, no parser directives).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const repositoryRoot = join(import.meta.dirname, '..');

/**
 * One instruction; continuation lines stay as backslash-newline (which a shell reads the same way).
 * `stage` is the index of the FROM it belongs to; `shellcheck` holds the `# shellcheck ...` comment
 * lines right above it, which apply to its RUN script.
 */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
  stage: number;
  shellcheck: string[];
}

export async function readDockerfile(path: string): Promise<Instruction[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const instructions: Instruction[] = [];
  let stage = -1;
  let shellcheck: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    let text = lines[index] ?? '';
    if (/^\s*# shellcheck /.test(text)) shellcheck.push(text.trim());
    else if (/^\s*$/.test(text)) shellcheck = [];
    if (/^\s*(#|$)/.test(text)) continue;
    const line = index + 1;
    while (text.endsWith('\\') && index + 1 < lines.length) {
      index++;
      const next = lines[index] ?? '';
      // Docker drops comment lines inside a continued instruction.
      if (/^\s*#/.test(next)) continue;
      text = `${text}\n${next}`;
    }
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(text);
    if (!match) throw new Error(`${path}:${line}: cannot read instruction: ${text}`);
    const keyword = (match[1] ?? '').toUpperCase();
    if (keyword === 'FROM') stage++;
    instructions.push({ keyword, args: (match[2] ?? '').trim(), line, stage, shellcheck });
    shellcheck = [];
  }
  return instructions;
}

/** The default value of each ARG (later declarations win). */
export function argDefaults(instructions: Instruction[]): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const { keyword, args } of instructions) {
    if (keyword !== 'ARG') continue;
    const [name = '', ...value] = args.split('=');
    defaults.set(name, value.join('='));
  }
  return defaults;
}

/**
 * Runs shellcheck on every shell-form RUN of a Dockerfile, in the dialect the RUN uses (bash after a
 * `SHELL ["/bin/bash", ...]`, else sh). Returns shellcheck's findings, one string per RUN; empty when
 * clean.
 */
export async function shellcheckRuns(instructions: Instruction[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'urumi-dockerfile-run-'));
  const findings: string[] = [];
  try {
    let shell = 'sh';
    for (const { keyword, args, line, shellcheck } of instructions) {
      if (keyword === 'FROM') shell = 'sh';
      if (keyword === 'SHELL') shell = args.includes('bash') ? 'bash' : 'sh';
      if (keyword !== 'RUN' || args.startsWith('[')) continue;
      const file = join(dir, `run-${line}.sh`);
      await writeFile(file, [`#!/usr/bin/env ${shell}`, ...shellcheck, args, ''].join('\n'));
      try {
        await exec('shellcheck', ['--format=gcc', file]);
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        findings.push(`RUN at line ${line}:\n${stdout ?? ''}${stderr ?? ''}`.trimEnd());
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return findings;
}
