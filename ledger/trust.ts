import fs from 'node:fs';
import { fail } from '../common/errors.ts';
import { isPlainObject } from './format/index.ts';
import type { TrustAnchors } from './types.ts';

/** Problems in a trust-anchor document, or undefined. */
export function trustAnchorsProblem(value: unknown): string | undefined {
  if (!isPlainObject(value) || !isPlainObject(value.orgs) || Object.keys(value).length !== 1) {
    return 'trust anchors must be {"orgs": {"<organization>": ["<public key>", …]}}';
  }
  for (const keys of Object.values(value.orgs)) {
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) {
      return 'each trusted organization needs a non-empty list of public keys';
    }
  }
  return undefined;
}

/** Reads a trust-anchor JSON file, as `sluice verify --trust` and `sluice ledger audit --trust` take it. */
export function readTrustAnchorsFile(file: string): TrustAnchors {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw fail.validation('trust anchors file is missing or not JSON');
  }
  const problem = trustAnchorsProblem(parsed);
  if (problem) throw fail.validation(problem);
  return parsed as TrustAnchors;
}
