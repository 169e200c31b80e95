import { createRequire } from 'node:module';
import pino, { type Logger, type DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';

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

/**
 * JSON lines (for files, pipes and log collectors), or pino-pretty's human-readable lines when
 * the process writes to a terminal. Redaction happens before either.
 */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? (process.stdout.isTTY ? prettyLibrary()({ ...PRETTY, sync: true }) : undefined),
  );
}

const PRETTY = { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', messageFormat: '[{service}] {msg}' } as const;

/** Loaded only by processes that talk to a terminal. */
function prettyLibrary(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

/**
 * Turns one line a service wrote into what a person reads on a terminal: pino JSON lines
 * prettified, anything else unchanged. The supervisor's console uses it; log files keep JSON.
 */
export function prettyLogLine(): (line: string) => string {
  const format = prettyLibrary().prettyFactory({ ...PRETTY });
  return (line) => {
    if (line.startsWith('{')) {
      try {
        const entry = JSON.parse(line) as unknown;
        if (typeof entry === 'object' && entry !== null && 'level' in entry) return format(entry);
      } catch {
        // not a log entry: shown as it is
      }
    }
    return `${line}\n`;
  };
}
