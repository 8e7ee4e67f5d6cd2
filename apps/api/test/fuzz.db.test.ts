import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { schemathesisVenv } from '../../../tools/prerequisites/src/prerequisites.ts';
import { apiOnDatabase } from './support/api.ts';

const schemathesisBin = process.env.SCHEMATHESIS_BIN ?? join(schemathesisVenv(), 'bin', 'schemathesis');
const installHint =
  'npm test installs it (tools/prerequisites), or set SCHEMATHESIS_BIN to a schemathesis executable';

/** Runs a command to its end without blocking the event loop (the API under test is in this process). */
function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', COLUMNS: '120' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

it('conforms to its own OpenAPI document under Schemathesis fuzzing: no 5xx, only documented statuses and bodies', async () => {
  expect(
    existsSync(schemathesisBin),
    `Schemathesis is not installed at ${schemathesisBin}; install it: ${installHint}`,
  ).toBe(true);
  const { server, auth } = await apiOnDatabase('pglite');
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const cwd = await mkdtemp(join(tmpdir(), 'urumi-fuzz-'));
  onTestFinished(() => rm(cwd, { recursive: true, force: true }));
  // /api/health answers a documented 503 while a dependency is down, and this harness has no
  // cluster: for that one operation a 503 is expected; any other 5xx still fails.
  const config = join(cwd, 'schemathesis.toml');
  await writeFile(
    config,
    [
      '[[operations]]',
      'include-path = "/api/health"',
      'checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]',
      '',
    ].join('\n'),
  );
  const args = [
    '--config-file',
    config,
    'run',
    `${address}/api/openapi.json`,
    '--header',
    `Authorization: ${auth.authorization}`,
    // /api/events is an endless Server-Sent Events stream: every request to it would hang until the
    // request timeout, so it is left out (http.db.test.ts covers it).
    '--exclude-path',
    '/api/events',
    '--phases',
    'examples,coverage,fuzzing,stateful',
    // No 5xx; only documented status codes, bodies and content types; routes that declare the
    // bearer scheme refuse requests without it.
    '--checks',
    'not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance,ignored_auth',
    '--max-examples',
    '100',
    '--seed',
    process.env.SCHEMATHESIS_SEED ?? '1',
    '--generation-database',
    'none',
    '--request-timeout',
    '10',
    '--workers',
    '1',
    '--no-color',
  ];
  const { code, output } = await run(schemathesisBin, args, cwd);
  const shown = args.map((a) => (a.startsWith('Authorization:') ? 'Authorization: Bearer <token>' : a));
  expect(code, `${schemathesisBin} ${shown.join(' ')} exited ${code}:\n${output}`).toBe(0);
}, 150_000);
