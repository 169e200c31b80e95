import { isIP } from 'node:net';
import { SluiceError } from '../../common/index.ts';

const bad = (message: string) => new SluiceError('VALIDATION_FAILED', `endpoint ${message}`, { field: 'endpoint' });

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * An overseas model provider's OpenAI-compatible base URL (`https://api.example.com/v1`), as
 * stored: https, or plain http only to a loopback address (a local model or a test double) —
 * prompts must not cross a network in the clear. No credentials, query or fragment: the
 * provider's key travels per request, never inside a stored URL. Trailing slashes are dropped.
 */
export function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw bad('must use https (plain http only to a loopback address)');
  }
  if (url.username !== '' || url.password !== '') throw bad('must not carry credentials');
  if (url.search !== '' || url.hash !== '') throw bad('must not carry a query or fragment');
  return url.toString().replace(/\/+$/, '');
}
