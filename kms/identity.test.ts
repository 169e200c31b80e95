import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/index.ts';
import { tempDir } from '../test/support/files.ts';
import { deriveWorkerToken, Identities, resolveServiceToken } from './identity.ts';


describe('identities', () => {
  const service = 'kms_service-token-for-identity-tests';

  it('derives the worker token as hex HMAC-SHA256(serviceToken, "sluice-worker")', () => {
    const expected = createHmac('sha256', service).update('sluice-worker').digest('hex');
    expect(deriveWorkerToken(service)).toBe(expected);
    expect(deriveWorkerToken(service + 'x')).not.toBe(expected);
  });

  it('maps bearer tokens to the service or the worker, anything else to nobody', () => {
    const identities = new Identities(service);
    expect(identities.resolve(`Bearer ${service}`)).toBe('service');
    expect(identities.resolve(`bearer ${service}`)).toBe('service');
    expect(identities.resolve(`Bearer ${deriveWorkerToken(service)}`)).toBe('worker');
    for (const header of [undefined, '', service, `Basic ${service}`, `Bearer ${service}x`, `Bearer ${service} extra`, 'Bearer ', `Bearer${service}`]) {
      expect(identities.resolve(header)).toBeUndefined();
    }
  });

  it('refuses an empty stored token file rather than replacing it', () => {
    const file = path.join(tempDir('sluice-kms-'), 'token');
    fs.writeFileSync(file, '\n');
    expect(() => resolveServiceToken(undefined, file, createLogger('kms-test', 'silent'))).toThrow(/is empty/);
  });
});
