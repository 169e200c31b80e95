import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../../../common/index.ts';
import { deriveTransformKeys, recipientFingerprintKey, secretFromKeyFile, traceLeak, type TraceCandidate, type TransformKeys } from '../../desensitize/index.ts';
import { openRecords, readJsonFile, type DataRecord } from '../../formats/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';

/**
 * `sluice trace LEAKED_FILE --key-file KEYFILE --candidates FILE`: names the recipient whose
 * fingerprinted extract (`sluice desensitize --recipient ID`) a leaked file came from. Exit 0
 * when one is named, 1 when none is.
 */
const trace: Command = {
  summary: 'name the recipient a leaked extract came from (fingerprint canaries)',
  usage:
    'sluice trace LEAKED_FILE --key-file KEYFILE --candidates FILE [--threshold SCORE]   (FILE: JSON array of recipient ids, or of {"recipientId", "secret"} for per-contract secrets)',
  async run(args, io) {
    const options = parse(args);
    const keys = deriveTransformKeys(secretFromKeyFile(readJsonFile(path.resolve(io.cwd, options.keyFile), 'KEYFILE')));
    const candidates = candidatesFrom(readJsonFile(path.resolve(io.cwd, options.candidates), 'candidates file'), keys);
    const { batches } = await openRecords(fs.createReadStream(path.resolve(io.cwd, options.leaked)), { name: options.leaked });
    const records: DataRecord[] = [];
    for await (const batch of batches) for (const record of batch) records.push(record);
    const result = traceLeak(records, candidates, options.threshold === undefined ? {} : { threshold: options.threshold });
    writeLine(io.stdout, JSON.stringify({ ...result, recipientId: result.recipientId ?? null }, null, 2));
    return result.recipientId === undefined ? 1 : 0;
  },
};

export default trace;

function parse(args: string[]): { leaked: string; keyFile: string; candidates: string; threshold?: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { 'key-file': { type: 'string' }, candidates: { type: 'string' }, threshold: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('give exactly one LEAKED_FILE');
  if (values['key-file'] === undefined || values.candidates === undefined) throw new UsageError('--key-file and --candidates are required');
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold > 0)) throw new UsageError('--threshold must be a positive number');
  return { leaked: positionals[0]!, keyFile: values['key-file'], candidates: values.candidates, ...(threshold === undefined ? {} : { threshold }) };
}

/** Recipient ids use the key file's per-recipient fingerprint keys; entries with their own secret (a contract's) use that. */
function candidatesFrom(list: unknown, keys: TransformKeys): TraceCandidate[] {
  if (!Array.isArray(list) || list.length === 0) throw fail.validation('candidates file must be a non-empty JSON array');
  return list.map((entry, index) => {
    if (typeof entry === 'string') return { recipientId: entry, key: recipientFingerprintKey(keys, entry) };
    const { recipientId, secret } = (entry ?? {}) as { recipientId?: unknown; secret?: unknown };
    if (typeof recipientId !== 'string') throw fail.validation('candidate needs a recipientId', { index });
    const key = secret === undefined ? recipientFingerprintKey(keys, recipientId) : deriveTransformKeys(secretFromKeyFile({ secret })).fingerprint;
    return { recipientId, key };
  });
}
