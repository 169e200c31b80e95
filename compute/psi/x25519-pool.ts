import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { SluiceError } from '../../common/index.ts';

/**
 * The per-item work of ECDH-PSI on worker threads: X25519 through node:crypto (OpenSSL), with
 * the secret scalar's KeyObject built once per task rather than per item, and each peer point
 * imported from JWK (measured 2.5× faster than DER/SPKI import on OpenSSL 3.0). The worker
 * source is plain JavaScript so it runs unchanged under tsx, vitest and plain Node.
 *
 * `hash` tasks map length-prefixed elements to X25519 u-coordinates (SHA-256 under the session
 * domain) and multiply them by the scalar; `mult` tasks multiply given u-coordinates.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash, createPrivateKey, createPublicKey, diffieHellman } = require('node:crypto');
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
parentPort.on('message', ({ id, op, scalar, domain, input, outBytes }) => {
  try {
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, Buffer.from(scalar)]), format: 'der', type: 'pkcs8' });
    const data = Buffer.from(input);
    const count = op === 'hash' ? data.readUInt32BE(0) : data.length / 32;
    const out = Buffer.from(new ArrayBuffer(count * outBytes));
    const u = Buffer.allocUnsafe(32);
    let offset = 4;
    for (let i = 0; i < count; i++) {
      if (op === 'hash') {
        const length = data.readUInt32BE(offset);
        createHash('sha256').update(domain).update(data.subarray(offset, offset + 4 + length)).digest().copy(u);
        offset += 4 + length;
      } else {
        data.copy(u, 0, i * 32, i * 32 + 32);
      }
      u[31] &= 0x7f;
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: u.toString('base64url') }, format: 'jwk' });
      diffieHellman({ privateKey, publicKey }).copy(out, i * outBytes, 0, outBytes);
    }
    parentPort.postMessage({ id, output: out.buffer }, [out.buffer]);
  } catch {
    // A peer value that is a low-order point makes X25519 fail: the whole message is refused.
    parentPort.postMessage({ id, failed: true });
  }
});
`;

interface Task {
  op: 'hash' | 'mult';
  scalar: Uint8Array;
  domain: Uint8Array;
  input: ArrayBuffer;
  outBytes: number;
}

export class X25519Pool {
  private readonly workers: Worker[];
  private next = 0;
  private sequence = 0;
  private readonly pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();

  constructor(threads = Math.max(1, os.availableParallelism())) {
    this.workers = Array.from({ length: threads }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.on('message', ({ id, output, failed }: { id: number; output?: ArrayBuffer; failed?: boolean }) => {
        const waiter = this.pending.get(id);
        this.pending.delete(id);
        if (failed || !output) waiter?.reject(new SluiceError('VALIDATION_FAILED', 'a PSI message holds an invalid point'));
        else waiter?.resolve(new Uint8Array(output));
      });
      // A crashed thread never answers: fail everything in flight rather than hang the exchange.
      worker.on('error', () => {
        for (const waiter of this.pending.values()) waiter.reject(new SluiceError('INTERNAL', 'a PSI thread failed'));
        this.pending.clear();
      });
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  run(task: Task): Promise<Uint8Array> {
    const id = this.sequence++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...task }, [task.input]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
