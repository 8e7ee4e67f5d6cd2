import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { createStream } from 'rotating-file-stream';

/** Rotation of the log files: each at most 5 MB, five files per log (the current one + 4). */
export const logFileRotation = { maxBytes: 5 * 1024 * 1024, files: 5 } as const;

export interface LoggerOptions {
  level: string;
  /**
   * When set, `combined.log` (every line) and `error.log` (errors only) are written there as well
   * as stdout, JSON lines, rotated by size (`combined.log.1` is the newest rotated file).
   */
  dir?: string | undefined;
}

/** Anything that could hold a secret, redacted by path wherever it appears in a log object. */
const redact = {
  paths: [
    'req.headers.authorization',
    'headers.authorization',
    'authorization',
    '*.password',
    '*.token',
    '*.secret',
    'token',
    'password',
    'stringData',
    '*.stringData',
    'data',
  ],
  censor: '[redacted]',
};

function rotatingFile(dir: string, name: string): Writable {
  const stream = createStream((index) => (index === null ? name : `${name}.${String(index)}`), {
    path: dir,
    size: `${logFileRotation.maxBytes / 1024 / 1024}M`,
    rotate: logFileRotation.files - 1,
  });
  // A full disk must not stop the platform: say so on stderr (stdout logging goes on).
  stream.on('error', (error: Error) => process.stderr.write(`log file ${name}: ${error.message}\n`));
  return stream;
}

/**
 * JSON lines on stdout and, with `dir`, in rotated files. `close()` ends the files once they hold
 * everything logged so far (call it before exiting; later lines reach stdout only).
 */
export function createLogger(o: LoggerOptions): Logger & { close(): Promise<void> } {
  const base = { level: o.level, base: { service: 'urumi' }, redact };
  if (!o.dir) return Object.assign(pino(base), { close: () => Promise.resolve() });
  mkdirSync(o.dir, { recursive: true });
  const files = [rotatingFile(o.dir, 'combined.log'), rotatingFile(o.dir, 'error.log')] as const;
  const logger = pino(
    base,
    pino.multistream([
      { level: 'trace', stream: process.stdout },
      { level: 'trace', stream: files[0] },
      { level: 'error', stream: files[1] },
    ]),
  );
  return Object.assign(logger, {
    async close() {
      await Promise.all(
        files.map(async (file) => {
          if (file.writableEnded) return;
          file.end();
          await once(file, 'finish');
        }),
      );
    },
  });
}
