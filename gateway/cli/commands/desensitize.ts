import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { fail } from '../../../common/errors.ts';
import {
  createThreadedDesensitizer,
  deriveTransformKeys,
  encryptAlgorithms,
  kmsFieldKeys,
  recipientFingerprintKey,
  secretFromKeyFile,
  validateFieldPolicies,
  type DesensitizeStats,
  type KmsFieldKeys,
  type ThreadedDesensitizer,
} from '../../desensitize/index.ts';
import { createFileSink, openRecords, readFileChunks, readJsonFile, writeBatchTexts } from '../../formats/index.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';

/**
 * `sluice desensitize`: static desensitization of a CSV or NDJSON (or JSON array) file with a
 * policy, streaming in bounded memory. Output keeps the input's format; a summary goes to stderr
 * so stdout can carry the records.
 */
const desensitize: Command = {
  summary: 'desensitize a CSV/NDJSON file with a transform policy',
  usage:
    'sluice desensitize --policy POLICY --key-file KEYFILE [--in FILE] [--out FILE] [--kms URL --kms-token T [--kms-key-id ID] [--key-out FILE]] [--recipient ID] [--shuffle-window ROWS] [--threads N]',
  async run(args, io) {
    const options = parse(args);
    const fields = policyFields(readJsonFile(path.resolve(io.cwd, options.policy), 'POLICY'));
    validateFieldPolicies(fields);
    const keys = deriveTransformKeys(secretFromKeyFile(readJsonFile(path.resolve(io.cwd, options.keyFile), 'KEYFILE')));
    const kms = await fieldKeys(fields, options, io);
    try {
      const desensitizer = createThreadedDesensitizer(
        {
          fields,
          keys,
          ...(kms ? { dataKeys: kms.dataKeys } : {}),
          ...(options.recipient ? { fingerprint: { key: recipientFingerprintKey(keys, options.recipient) } } : {}),
        },
        { threads: options.threads ?? defaultThreads(options.in === undefined ? undefined : path.resolve(io.cwd, options.in)), ...(options.shuffleWindow ? { shuffleWindow: options.shuffleWindow } : {}) },
      );
      const output = openOutput(options.out, io);
      try {
        await transform(desensitizer, options, output.stream, io);
        await output.commit();
      } catch (error) {
        output.abandon();
        throw error;
      }
      report(io, desensitizer.stats());
      return 0;
    } finally {
      kms?.wipe();
    }
  },
};

/**
 * Synchronous file I/O; this thread parses and writes while worker threads transform and
 * serialize (see createThreadedDesensitizer; docs/DESENSITIZATION.md, Performance).
 */
async function transform(desensitizer: ThreadedDesensitizer, options: Options, out: Writable, io: CliIO): Promise<void> {
  const input = options.in === undefined ? io.stdin : readFileChunks(path.resolve(io.cwd, options.in));
  const { format, batches } = await openRecords(input, options.in === undefined ? {} : { name: options.in });
  await writeBatchTexts(desensitizer.serialize(batches, format), out, format, desensitizer.columns);
}

export default desensitize;

interface Options {
  policy: string;
  keyFile: string;
  in?: string;
  out?: string;
  kms?: string;
  kmsToken?: string;
  kmsKeyId?: string;
  keyOut?: string;
  recipient?: string;
  shuffleWindow?: number;
  threads?: number;
}

/** Threads break even around 100k rows (~5 MB of CSV); below, their start-up and cold JIT cost more. */
const THREADS_FROM_BYTES = 8 << 20;

/**
 * Without --threads: one per core up to four (one thread parses and writes; beyond four it cannot
 * keep them fed), for stdin (size unknown) and files of at least THREADS_FROM_BYTES; none on one core.
 */
function defaultThreads(file: string | undefined): number {
  const cores = os.availableParallelism();
  const size = file === undefined ? Infinity : (fs.statSync(file, { throwIfNoEntry: false })?.size ?? Infinity);
  return cores < 2 || size < THREADS_FROM_BYTES ? 0 : Math.min(4, cores);
}

function parse(args: string[]): Options {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: Object.fromEntries(
        ['policy', 'key-file', 'in', 'out', 'kms', 'kms-token', 'kms-key-id', 'key-out', 'recipient', 'shuffle-window', 'threads'].map((o) => [o, { type: 'string' as const }]),
      ),
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.policy === undefined || values['key-file'] === undefined) throw new UsageError('--policy and --key-file are required');
  const window = values['shuffle-window'] === undefined ? undefined : Number(values['shuffle-window']);
  if (window !== undefined && (!Number.isInteger(window) || window < 1)) throw new UsageError('--shuffle-window must be a positive integer');
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 64)) throw new UsageError('--threads must be an integer from 0 (none) to 64');
  return {
    policy: values.policy,
    keyFile: values['key-file'],
    ...defined({ in: values.in, out: values.out, kms: values.kms, kmsToken: values['kms-token'], kmsKeyId: values['kms-key-id'] }),
    ...defined({ keyOut: values['key-out'], recipient: values.recipient, shuffleWindow: window, threads }),
  };
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function policyFields(policy: unknown): Record<string, unknown> {
  const fields = (policy as { fields?: unknown } | null)?.fields;
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw fail.validation('POLICY must be {"fields": {<field>: {"transform": …}}}');
  return fields as Record<string, unknown>;
}

/**
 * Data keys for `encrypt` fields come from the KMS or not at all: there is no local fallback.
 * The wrapped keys are written before any record, so no ciphertext exists without them.
 */
async function fieldKeys(fields: Record<string, unknown>, options: Options, io: CliIO): Promise<KmsFieldKeys | undefined> {
  const algs = encryptAlgorithms(fields);
  if (algs.length === 0) return undefined;
  // The environment keeps the token out of the process list.
  const token = options.kmsToken ?? io.env.SLUICE_KMS_TOKEN;
  if (options.kms === undefined || token === undefined) {
    throw new UsageError('the policy encrypts fields: pass --kms URL and --kms-token TOKEN (or SLUICE_KMS_TOKEN); data keys come only from the KMS');
  }
  const sidecarPath = options.keyOut ?? (options.out === undefined ? undefined : `${options.out}.keys.json`);
  if (sidecarPath === undefined) throw new UsageError('writing encrypted output to stdout: pass --key-out FILE for the wrapped data keys');
  // Loaded only when needed: the KMS module graph costs a second of start-up.
  const [{ KmsClient }, { loadConfig, tlsClientSettings }] = await Promise.all([import('../../../kms/index.ts'), import('../../../common/index.ts')]);
  const config = loadConfig(io.env);
  const client = new KmsClient({ url: options.kms, token, timeoutMs: config.kmsTimeoutMs, tls: tlsClientSettings(config) });
  const keys = await kmsFieldKeys(client, options.kms, algs, options.kmsKeyId);
  fs.writeFileSync(path.resolve(io.cwd, sidecarPath), JSON.stringify(keys.sidecar, null, 2) + '\n', { mode: 0o600 });
  return keys;
}

interface Output {
  stream: Writable;
  commit(): Promise<void>;
  abandon(): void;
}

/** A file is written under a temporary name and renamed once complete, so a failed run leaves no half file. */
function openOutput(file: string | undefined, io: CliIO): Output {
  if (file === undefined) return { stream: io.stdout, commit: async () => {}, abandon: () => {} };
  const target = path.resolve(io.cwd, file);
  const partial = `${target}.partial`;
  const stream = createFileSink(partial);
  return {
    stream,
    async commit() {
      stream.end();
      await finished(stream);
      fs.renameSync(partial, target);
    },
    abandon() {
      stream.destroy();
      fs.rmSync(partial, { force: true });
    },
  };
}

function report(io: CliIO, stats: DesensitizeStats): void {
  const nulled = Object.entries(stats.nulled).filter(([, n]) => n > 0);
  writeLine(io.stderr, `desensitized ${stats.records} records`);
  if (nulled.length > 0) writeLine(io.stderr, `delivered as null (value unusable for its transform): ${nulled.map(([f, n]) => `${f}=${n}`).join(', ')}`);
  if (stats.canaries > 0) writeLine(io.stderr, `added ${stats.canaries} fingerprint rows`);
}
