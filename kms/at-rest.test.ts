import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/index.ts';
import { randomBytes } from '../crypto/index.ts';
import { tempDir } from '../test/support/files.ts';
import type { AuditedStore } from './audit.ts';
import { Barrier } from './barrier.ts';
import { loadKmsConfig } from './config.ts';
import { KeyService } from './keys.ts';
import { Mutex } from './mutex.ts';
import { SealManager } from './seal.ts';
import { openKmsStore } from './store.ts';

/** Remembers every secret that passes through the barrier: the master key and all version material. */
class RecordingBarrier extends Barrier {
  readonly secrets: Uint8Array[] = [];

  override unseal(master: Uint8Array): void {
    this.secrets.push(Uint8Array.from(master));
    super.unseal(master);
  }

  override wrap(data: Uint8Array, aad: Uint8Array): Uint8Array {
    this.secrets.push(Uint8Array.from(data));
    return super.wrap(data, aad);
  }
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Every spelling a secret could be stored in. */
function spellings(secret: Uint8Array): Buffer[] {
  const raw = Buffer.from(secret);
  return [raw, Buffer.from(raw.toString('hex')), Buffer.from(raw.toString('hex').toUpperCase()), Buffer.from(raw.toString('base64')), Buffer.from(raw.toString('base64url'))];
}


describe('KMS data at rest', () => {
  it('holds no master key, key material, data key or plaintext in any file of the data directory', async () => {
    const dataDir = tempDir('sluice-kms-');
    const config = loadKmsConfig({ SLUICE_DATA_DIR: dataDir });
    const database = await openKmsStore(config);
    const barrier = new RecordingBarrier();
    const store: AuditedStore = { db: database.db, mutex: new Mutex(), logger: createLogger('kms-test', 'silent') };
    await new SealManager(store, barrier, config).start();
    const keys = new KeyService(store, barrier);

    const released: Uint8Array[] = [];
    const ciphertexts: Array<{ keyId: string; ciphertext: string; context: { datasetId: string } }> = [];
    for (const alg of ['SM4', 'AES-256-GCM'] as const) {
      for (let k = 0; k < 3; k++) {
        const { keyId } = await keys.create('service', { alg });
        for (let i = 0; i < 5; i++) {
          const context = { datasetId: `ds_${k}_${i}` };
          const dataKey = await keys.dataKey('service', keyId, context);
          released.push(Uint8Array.from(dataKey.plaintext));
          ciphertexts.push({ keyId, ciphertext: dataKey.ciphertext, context });
          const plaintext = randomBytes(32);
          released.push(plaintext);
          ciphertexts.push({ keyId, ...(await keys.encrypt('service', keyId, plaintext, context)), context });
          if (i === 2) await keys.rotate('service', keyId);
        }
        for (const { ciphertext, context } of ciphertexts.filter((c) => c.keyId === keyId).slice(0, 3)) {
          await keys.rewrap('service', keyId, ciphertext, context);
        }
        if (k === 2) await keys.destroy('service', keyId);
      }
    }
    const secrets = [...barrier.secrets, ...released];
    expect(barrier.secrets.length).toBe(1 + 6 * 2);
    const scan = () => {
      const files = filesUnder(dataDir);
      for (const file of files) {
        const content = fs.readFileSync(file);
        for (const secret of secrets) {
          for (const spelling of spellings(secret)) expect(content.includes(spelling), `${path.basename(file)} holds a secret`).toBe(false);
        }
      }
      return files.map((f) => path.basename(f));
    };
    // Once with the write-ahead log in place, once after it was checkpointed into the file.
    expect(scan()).toEqual(expect.arrayContaining(['kms.db', 'kms.db-wal', 'unseal.key']));
    await database.close();
    barrier.seal();
    expect(scan()).toEqual(expect.arrayContaining(['kms.db', 'unseal.key']));
  });
});
