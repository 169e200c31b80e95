import { ServiceClient, SluiceError, type TlsClientSettings } from '../../common/index.ts';

/** The two KMS calls a worker makes, with the derived worker token: it can do nothing else. */
export interface WorkerKms {
  publicKey(keysetId: string): Promise<Uint8Array>;
  reportResult(keysetId: string, digest: string): Promise<void>;
}

/** How a worker reaches the KMS: the deadline of every call and, over TLS, the CA and its client certificate. */
export interface WorkerKmsAccess {
  timeoutMs?: number;
  tls?: TlsClientSettings;
}

export function workerKms(kmsUrl: string, workerToken: string, access: WorkerKmsAccess = {}): WorkerKms {
  const client = new ServiceClient(kmsUrl, access.timeoutMs ?? 5000, access.tls);
  const call = async (method: 'GET' | 'POST', url: string, body?: object): Promise<unknown> => {
    let response;
    try {
      response = await client.request(new URL(url, kmsUrl).toString(), {
        method,
        headers: { authorization: `Bearer ${workerToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (cause) {
      throw new SluiceError('KMS_UNAVAILABLE', 'key management service unavailable', undefined, { cause });
    }
    const payload = response.body as { error?: { code?: string } } | undefined;
    if (response.status >= 400) {
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
