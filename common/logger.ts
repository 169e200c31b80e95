import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths pino censors wherever they appear. Values of records never reach the logger in the
 * first place; this list is the second line of defence for credentials and key material.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'req.headers["x-provider-authorization"]',
  'headers["x-provider-authorization"]',
  'authorization',
  'token',
  '*.token',
  'adminToken',
  'kmsToken',
  'password',
  'secret',
  '*.secret',
  'privateKey',
  '*.privateKey',
  'plaintext',
  '*.plaintext',
  'key',
  '*.key',
];

export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
