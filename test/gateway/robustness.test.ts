import { describe, expect, it } from 'vitest';
import { registerParty } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

const CANARY = 'CANARYq7Zx';

/** Bodies no route accepts: broken JSON, wrong shapes, unknown keys, absurd nesting and size. */
const badBodies: { raw: string; contentType?: string }[] = [
  { raw: `{"${CANARY}":` },
  { raw: '[]' },
  { raw: `"${CANARY}"` },
  { raw: '12345' },
  { raw: 'null' },
  { raw: JSON.stringify({ [CANARY]: CANARY }) },
  { raw: JSON.stringify({ name: { [CANARY]: [CANARY] }, fields: CANARY, datasetId: 42, terms: [CANARY] }) },
  { raw: '['.repeat(20_000) + ']'.repeat(20_000) },
  { raw: JSON.stringify({ a: CANARY.repeat(20_000) }) },
  { raw: `${CANARY},${CANARY}\n1,2`, contentType: 'text/csv' },
  { raw: `${CANARY}`, contentType: 'text/plain' },
  { raw: `\u0000${CANARY}\uFFFF`, contentType: 'application/x-ndjson' },
  { raw: `${CANARY}`, contentType: 'application/octet-stream' },
];

/** Path parameters no route knows: well-formed-looking, traversal, injection, huge, non-ASCII. */
const badIds = [`pty_${CANARY}0000000000000000000000`, `..%2F..%2F${CANARY}`, `${CANARY}'%20OR%201=1--`, CANARY.repeat(400), `%E4%B8%AD${CANARY}`, `%E0%A4%A${CANARY}`];

/** Query strings no route takes: unknown keys, non-numeric limits, repeated keys (routes without a querystring schema ignore them). */
const badQuery = `?${CANARY}=${CANARY}&limit=${CANARY}&after=-1&after=${CANARY}`;

/**
 * Every route the OpenAPI document lists, as every kind of caller, with bad path parameters
 * and bad bodies: the answer is a 4xx with a SURFACE error body — never a 5xx — and never
 * repeats what was sent.
 */
describe('every route refuses bad input cleanly', () => {
  const harness = useGateway('sqlite', { SLUICE_RATE_LIMIT: '1000000', SLUICE_AUTH_FAILURE_LIMIT: '1000000' });

  it('answers 4xx without echoing, for every route, caller, parameter and body', { timeout: 300_000 }, async () => {
    const { url, adminToken } = harness();
    const owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const overseas = await registerParty(url, adminToken, { name: 'Partner', kind: 'overseas', jurisdiction: 'SG' });
    const regulator = await registerParty(url, adminToken, { name: 'Regulator', kind: 'regulator', jurisdiction: 'CN' });
    const tokens = [adminToken, owner.token, overseas.token, regulator.token, undefined];
    const spec = (await api(url, 'GET', '/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    const failures: string[] = [];
    let requests = 0;
    for (const [route, methods] of Object.entries(spec.paths)) {
      for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
        const hasParams = route.includes('{');
        const paths = [...(hasParams ? badIds.map((id) => route.replace(/\{[^}]+\}/g, id)) : [route]), `${route.replace(/\{[^}]+\}/g, badIds[0]!)}${badQuery}`];
        for (const path of paths) {
          for (const token of tokens) {
            const bodies = method === 'GET' || method === 'DELETE' ? [undefined] : badBodies;
            for (const body of bodies) {
              const response = await api(url, method, path, { ...(token ? { token } : {}), ...(body ? { raw: body.raw, contentType: body.contentType ?? 'application/json' } : {}) });
              requests++;
              const label = `${method} ${path.slice(0, 60)} as ${token === adminToken ? 'admin' : token ? 'party' : 'nobody'} with ${body ? JSON.stringify(body.raw.slice(0, 30)) : 'no body'}`;
              if (response.status >= 500) failures.push(`${label} → ${response.status} ${response.text.slice(0, 200)}`);
              // A route without parameters may ignore a query string it does not take.
              else if (!hasParams && !body && response.status < 300) continue;
              else if (response.status < 400) failures.push(`${label} → ${response.status}`);
              else if (typeof response.body?.error?.code !== 'string') failures.push(`${label} → no SURFACE error body`);
              if (response.text.includes(CANARY)) failures.push(`${label} echoed the input`);
            }
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  });

  it('answers 401 to every malformed or unknown credential, without echoing it', async () => {
    const { url } = harness();
    const spec = (await api(url, 'GET', '/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    const credentials = ['Bearer', `Bearer ${CANARY}`, `Basic ${CANARY}`, `bearer  slc_${CANARY}`, `Bearer slc_${CANARY.repeat(500)}`, `Bearer ${CANARY}é`, `Bearer slc_${CANARY}, Bearer x`];
    const failures: string[] = [];
    for (const [route, methods] of Object.entries(spec.paths)) {
      for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
        const path = route.replace(/\{[^}]+\}/g, 'x');
        for (const authorization of credentials) {
          // fetch refuses header values outside Latin-1; the raw bytes are what a client may send.
          const response = await api(url, method, path, { headers: { authorization: Buffer.from(authorization, 'utf8').toString('latin1') } });
          const label = `${method} ${route} with ${JSON.stringify(authorization.slice(0, 30))}`;
          if (response.status === 200 && route === '/healthz') continue;
          if (response.status !== 401 && !(response.status === 400 && route.includes('{'))) failures.push(`${label} → ${response.status}`);
          if (response.text.includes(CANARY)) failures.push(`${label} echoed the credential`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
