import { readdir, readFile, stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { createLogger, logFileRotation } from '../src/adapters/logger.ts';

it('writes combined.log and error.log in LOG_DIR, rotated at 5 files x 5 MB, with secrets redacted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'urumi-logs-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const log = createLogger({ level: 'info', dir });
  // stdout gets the same lines; keep the test output readable.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  try {
    const padding = 'x'.repeat(900);
    // About 40 MB: more than the 25 MB the five combined files can hold.
    for (let i = 0; i < 45_000; i += 1) {
      log.info({ i, padding, headers: { authorization: 'Bearer urumi_secret_token' } }, 'request');
      if (i % 1_000 === 0) log.error({ i, password: 'hunter2-database-password' }, 'step failed');
      // Let the rotating streams drain now and then, as a live server's event loop does.
      if (i % 5_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    log.info({ last: true }, 'the last line');
  } finally {
    process.stdout.write = write;
  }
  await log.close();

  const files = (await readdir(dir)).sort();
  expect(files).toEqual([
    'combined.log',
    'combined.log.1',
    'combined.log.2',
    'combined.log.3',
    'combined.log.4',
    'error.log',
  ]);
  for (const file of files) {
    expect((await stat(join(dir, file))).size, file).toBeLessThanOrEqual(logFileRotation.maxBytes + 2_048);
  }
  const combined = await readFile(join(dir, 'combined.log'), 'utf8');
  const lines = combined.trim().split('\n');
  expect(JSON.parse(lines.at(-1)!)).toMatchObject({ msg: 'the last line', service: 'urumi', last: true });
  const errors = (await readFile(join(dir, 'error.log'), 'utf8')).trim().split('\n');
  expect(errors).toHaveLength(45);
  for (const line of errors) expect(JSON.parse(line)).toMatchObject({ level: 50, msg: 'step failed' });
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    expect(text).not.toContain('urumi_secret_token');
    expect(text).not.toContain('hunter2');
  }
  expect(combined).toContain('"authorization":"[redacted]"');
}, 120_000);
