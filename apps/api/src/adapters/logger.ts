import { pino, type Logger } from 'pino';

/**
 * JSON lines on stdout. Anything that could hold a secret is redacted by path, wherever it
 * appears in a log object.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'urumi' },
    redact: {
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
    },
  });
}
