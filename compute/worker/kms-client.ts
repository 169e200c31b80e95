import { SluiceError } from '../../common/index.ts';

/** The two KMS calls a worker makes, with the derived worker token: it can do nothing else. */
export interface WorkerKms {
  publicKey(keysetId: string): Promise<Uint8Array>;
  reportResult(keysetId: string, digest: string): Promise<void>;
}

export function workerKms(kmsUrl: string, workerToken: string): WorkerKms {
  const call = async (method: 'GET' | 'POST', url: string, body?: object): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(new URL(url, kmsUrl), {
        method,
        headers: { authorization: `Bearer ${workerToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (cause) {
      throw new SluiceError('KMS_UNAVAILABLE', 'key management service unavailable', undefined, { cause });
    }
    const payload = (await response.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
    if (!response.ok) {
      const code = payload?.error?.code;
      if (response.status === 404) throw new SluiceError('NOT_FOUND', 'key set not found');
      if (response.status === 409) throw new SluiceError('CONFLICT', 'the KMS holds a different result for this job');
      throw new SluiceError(response.status >= 500 ? 'KMS_UNAVAILABLE' : 'FORBIDDEN', `the KMS refused the worker (${code ?? response.status})`);
    }
    return payload;
  };
  return {
    async publicKey(keysetId) {
      const body = (await call('GET', `/v1/he/keysets/${encodeURIComponent(keysetId)}/public`)) as { publicKey: string };
      return Buffer.from(body.publicKey, 'base64');
    },
    async reportResult(keysetId, digest) {
      await call('POST', `/v1/he/keysets/${encodeURIComponent(keysetId)}/result`, { digest });
    },
  };
}
