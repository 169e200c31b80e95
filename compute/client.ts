import { ERROR_STATUS, SluiceError, type ErrorCode } from '../common/index.ts';
import type { ColumnSpec, HeResult, HeScheme } from './he/index.ts';
import type { PsiSession } from './psi/index.ts';

/** What `GET /v1/compute/jobs/:id/key` returns: what a contributor needs to encrypt its column. */
export interface JobKey {
  keysetId: string;
  scheme: HeScheme;
  /** The job's public key artifact, base64. */
  publicKey: string;
  spec: ColumnSpec;
}

export interface ContributionReceipt {
  input: string;
  n: number;
}

/**
 * The partner side of the gateway's compute routes, for the CLI: session and exchange for PSI
 * (and the tags of a private join), job key and upload for contributed columns, status and result. Ciphertexts and PSI messages travel as
 * `application/octet-stream` in our binary container.
 */
export function computeGatewayClient(server: string, token: string) {
  const request = async (method: string, path: string, body?: Uint8Array): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, server), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
        ...(body ? { body } : {}),
      });
    } catch (cause) {
      throw new SluiceError('INTERNAL', 'the gateway could not be reached', undefined, { cause });
    }
    if (response.ok) return response;
    const payload = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    const code = payload?.error?.code;
    if (code && code in ERROR_STATUS) throw new SluiceError(code as ErrorCode, payload?.error?.message ?? 'refused by the gateway');
    throw new SluiceError('INTERNAL', `the gateway answered HTTP ${response.status}`);
  };
  const job = (jobId: string) => `/v1/compute/jobs/${encodeURIComponent(jobId)}`;
  return {
    async psiSession(jobId: string): Promise<PsiSession> {
      return (await (await request('GET', `${job(jobId)}/psi`)).json()) as PsiSession;
    },
    async psiExchange(jobId: string, message: Uint8Array): Promise<Uint8Array> {
      return new Uint8Array(await (await request('POST', `${job(jobId)}/psi`, message)).arrayBuffer());
    },
    async jobKey(jobId: string): Promise<JobKey> {
      return (await (await request('GET', `${job(jobId)}/key`)).json()) as JobKey;
    },
    async contribute(jobId: string, column: Uint8Array): Promise<ContributionReceipt> {
      return (await (await request('POST', `${job(jobId)}/contributions`, column)).json()) as ContributionReceipt;
    },
    /** A private join's step 3: the owners' set under the partner's scalar. */
    async psiTags(jobId: string, message: Uint8Array): Promise<{ id: string; status: string }> {
      return (await (await request('POST', `${job(jobId)}/psi/tags`, message)).json()) as { id: string; status: string };
    },
    async status(jobId: string): Promise<{ status: string }> {
      return (await (await request('GET', job(jobId))).json()) as { status: string };
    },
    /** The released result; the gateway's refusal (RESULT_NOT_RELEASED, GROUP_TOO_SMALL, …) otherwise. */
    async result(jobId: string): Promise<HeResult> {
      return (await (await request('GET', `${job(jobId)}/result`)).json()) as HeResult;
    },
  };
}
