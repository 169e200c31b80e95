import fs from 'node:fs';
import { fail } from '../../common/errors.ts';

/** A small JSON document (policy, key file, list) read whole; errors name the file's role, not its content. */
export function readJsonFile(file: string, role: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw fail.validation(`cannot read ${role}`, { file });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch {
    throw fail.validation(`${role} is not valid JSON`, { file });
  }
}
