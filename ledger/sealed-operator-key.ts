import { SluiceError } from '../common/errors.ts';
import type { Logger } from '../common/index.ts';
import { bytesToHex, hexToBytes, sm2GenerateKeyPair, sm2PublicKeyFromPrivate, sm2Sign } from '../crypto/index.ts';
import { isOrgName, type OrgSigner } from './signatures.ts';
import type { LedgerStore } from './store.ts';

/** Seals secret bytes under a key of the KMS, so a database row can hold them. */
export interface KeySealer {
  /** Seals under a new KMS key; returns that key's id and the ciphertext to store. */
  seal(plaintext: Uint8Array, context: Record<string, string>): Promise<{ keyId: string; ciphertext: string }>;
  unseal(keyId: string, ciphertext: string, context: Record<string, string>): Promise<Uint8Array>;
}

/** Bound into the sealed key's encryption context, so a blob moved to another row does not open. */
function sealContext(org: string, publicKey: string): Record<string, string> {
  return { purpose: 'ledger.operator-key', org, publicKey };
}

/**
 * The operator's SM2 tree-head key when the ledger lives in PostgreSQL: generated once by the
 * first gateway (under the append lock, so gateways starting together agree on one key), stored
 * with the ledger sealed under a KMS key, and opened through the KMS by whichever gateway signs —
 * lazily, at its first block, so serving proofs never needs the KMS.
 */
export async function loadOrCreateSealedOperatorSigner(store: LedgerStore, org: string, sealer: KeySealer, logger?: Logger): Promise<OrgSigner> {
  if (!isOrgName(org)) throw new SluiceError('VALIDATION_FAILED', 'operator organization name is not valid');
  const row = await store.appendRound(async (round) => {
    const existing = await round.database.selectFrom('operator_keys').selectAll().orderBy('created_at').executeTakeFirst();
    if (existing) return existing;
    const pair = sm2GenerateKeyPair();
    const secret = hexToBytes(pair.privateKey);
    try {
      const sealed = await sealer.seal(secret, sealContext(org, pair.publicKey));
      const created = { org, alg: 'SM2', public_key: pair.publicKey, key_id: sealed.keyId, sealed_key: sealed.ciphertext, created_at: new Date().toISOString() };
      await round.database.insertInto('operator_keys').values(created).execute();
      logger?.info({ org, keyId: sealed.keyId }, 'generated operator tree-head signing key, sealed in the ledger database');
      return created;
    } finally {
      secret.fill(0);
    }
  });
  if (row.org !== org) throw new SluiceError('CONFLICT', 'the ledger was created under another operator organization name');
  const publicKey = row.public_key;
  const open = async (): Promise<string> => {
    const bytes = await sealer.unseal(row.key_id, row.sealed_key, sealContext(row.org, publicKey));
    try {
      const hex = bytesToHex(bytes);
      if (sm2PublicKeyFromPrivate(hex) !== publicKey) throw new SluiceError('INTERNAL', 'the sealed operator key does not match its public key');
      return hex;
    } finally {
      bytes.fill(0);
    }
  };
  let opened: Promise<string> | undefined;
  // A failure is retried at the next block: the KMS may be back by then.
  const privateKey = (): Promise<string> => (opened ??= open().catch((error: unknown) => ((opened = undefined), Promise.reject(error))));
  return { org: row.org, alg: 'SM2', publicKey, sign: async (statement) => sm2Sign(statement, await privateKey()) };
}

/** The operator's public key as stored with a PostgreSQL ledger, for audits. */
export async function readSealedOperatorPublicKey(store: LedgerStore): Promise<{ org: string; publicKey: string } | undefined> {
  const row = await store.database.selectFrom('operator_keys').select(['org', 'public_key']).orderBy('created_at').executeTakeFirst();
  return row && { org: row.org, publicKey: row.public_key };
}
