import crypto from 'node:crypto';
import { canonicalize } from '../../crypto/index.ts';
import { decodeStoredRecord, recordStateKey, type StoredRecord } from '../format/index.ts';
import type { FabricProof, LedgerRecord, OrgSignature, TrustAnchors, VerifyResult } from '../types.ts';
import {
  ProtobufError,
  bytesField,
  decode,
  encodeBytesFields,
  messageField,
  repeatedBytes,
  stringField,
  uintField,
  type Message,
} from './protobuf.ts';

/** Field numbers from Fabric's protos (common/common.proto, peer/*.proto, ledger/rwset). */
const ENDORSER_TRANSACTION = 3n;
const TRANSACTIONS_FILTER = 2;
const TX_VALID = 0;

/** Builds the proof of a committed endorser transaction from its envelope. */
export function proofFromEnvelope(envelope: Uint8Array, blockNumber: bigint | number): FabricProof {
  const payload = messageField(decode(envelope), 1);
  const channelHeader = messageField(messageField(payload, 1), 1);
  if (uintField(channelHeader, 1) !== ENDORSER_TRANSACTION) throw new ProtobufError('not an endorser transaction');
  const transaction = decode(bytesField(payload, 2));
  const action = decode(repeatedBytes(transaction, 1)[0] ?? new Uint8Array());
  const endorsedAction = messageField(messageField(action, 2), 2);
  const proposalResponsePayload = bytesField(endorsedAction, 1);
  const chaincodeAction = messageField(decode(proposalResponsePayload), 2);
  return {
    kind: 'fabric',
    channel: stringField(channelHeader, 4),
    chaincode: stringField(messageField(chaincodeAction, 4), 2),
    transactionId: stringField(channelHeader, 5),
    blockNumber: Number(blockNumber),
    payload: Buffer.from(proposalResponsePayload).toString('base64'),
    endorsements: repeatedBytes(endorsedAction, 2).map((bytes) => {
      const endorsement = decode(bytes);
      const endorser = messageField(endorsement, 1);
      const publicKey = stringField(endorser, 2);
      return { org: stringField(endorser, 1), alg: algorithmOf(publicKey), publicKey, signature: Buffer.from(bytesField(endorsement, 2)).toString('hex') };
    }),
  };
}

/** Finds a transaction in a block (as qscc GetBlockByTxID returns it) and proves it, if it is valid. */
export function proofFromBlock(block: Uint8Array, transactionId: string): FabricProof {
  const message = decode(block);
  const blockNumber = uintField(messageField(message, 1), 1);
  const envelopes = repeatedBytes(messageField(message, 2), 1);
  const filter = repeatedBytes(messageField(message, 3), 1)[TRANSACTIONS_FILTER] ?? new Uint8Array();
  for (const [index, envelope] of envelopes.entries()) {
    const channelHeader = messageField(messageField(messageField(decode(envelope), 1), 1), 1);
    if (stringField(channelHeader, 5) !== transactionId) continue;
    if (filter[index] !== TX_VALID) throw new ProtobufError('transaction was not valid when committed');
    return proofFromEnvelope(envelope, blockNumber);
  }
  throw new ProtobufError('transaction not in block');
}

/**
 * Checks a Fabric proof offline. The record must be exactly what the endorsed write set stored
 * under its id, written by the proof's transaction; every endorsement must sign the payload as
 * Fabric signs it (proposal response payload followed by the serialized endorser identity).
 *
 * With `trust`, each organization listed there must have endorsed with a peer certificate issued
 * by one of its CA certificates — that is what makes the proof mean "both organizations agreed".
 * Without it, only integrity is checked: the certificates inside the proof vouch for themselves.
 * Certificate expiry is not checked, since proofs are read long after they were made. The block
 * number is carried for lookup; binding it needs the orderer's block signatures, not this proof.
 */
export function verifyFabricProof(record: LedgerRecord, proof: FabricProof, trust?: TrustAnchors): VerifyResult {
  try {
    const payload = Buffer.from(proof.payload, 'base64');
    const chaincodeAction = messageField(decode(payload), 2);
    if (stringField(messageField(chaincodeAction, 4), 2) !== proof.chaincode) return invalid('payload is for another chaincode');
    const response = messageField(chaincodeAction, 3);
    if (uintField(response, 1) !== 200n) return invalid('endorsed response is not a success');
    const stored = endorsedWrite(messageField(chaincodeAction, 1), proof.chaincode, record.id);
    if (!stored) return invalid('endorsed write set does not store this record id');
    if (canonicalize(stored.record) !== canonicalize(record)) return invalid('record differs from the endorsed record');
    if (stored.txId !== proof.transactionId) return invalid('record was written by another transaction');
    if (proof.endorsements.length === 0) return invalid('proof has no endorsements');

    const endorsedBy = new Set<string>();
    for (const endorsement of proof.endorsements) {
      const problem = checkEndorsement(payload, endorsement, trust);
      if (problem) return invalid(problem);
      endorsedBy.add(endorsement.org);
    }
    for (const org of Object.keys(trust?.orgs ?? {})) {
      if (!endorsedBy.has(org)) return invalid(`no endorsement from ${org}`);
    }
    return { valid: true };
  } catch {
    // Proofs arrive from outside: whatever fails to parse is simply not a proof.
    return invalid('proof is malformed');
  }
}

function endorsedWrite(rwset: Message, namespace: string, id: string): StoredRecord | undefined {
  const key = recordStateKey(id);
  for (const nsBytes of repeatedBytes(rwset, 2)) {
    const ns = decode(nsBytes);
    if (stringField(ns, 1) !== namespace) continue;
    for (const writeBytes of repeatedBytes(messageField(ns, 2), 3)) {
      const write = decode(writeBytes);
      if (stringField(write, 1) !== key || uintField(write, 2) !== 0n) continue;
      return decodeStoredRecord(stringField(write, 3));
    }
  }
  return undefined;
}

function checkEndorsement(payload: Buffer, endorsement: OrgSignature, trust: TrustAnchors | undefined): string | undefined {
  const certificate = new crypto.X509Certificate(endorsement.publicKey);
  if (endorsement.alg !== algorithmOf(endorsement.publicKey)) return `endorsement by ${endorsement.org} names the wrong algorithm`;
  const identity = encodeBytesFields([
    [1, Buffer.from(endorsement.org, 'utf8')],
    [2, Buffer.from(endorsement.publicKey, 'utf8')],
  ]);
  const signed = Buffer.concat([payload, identity]);
  const digest = endorsement.alg === 'Ed25519' ? null : 'sha256';
  if (!crypto.verify(digest, signed, certificate.publicKey, Buffer.from(endorsement.signature, 'hex'))) {
    return `endorsement signature by ${endorsement.org} does not verify`;
  }
  if (!trust) return undefined;
  const anchors = trust.orgs[endorsement.org];
  if (!anchors) return `endorsement by ${endorsement.org}, which is not a trusted organization`;
  const issued = anchors.some((pem) => {
    const ca = new crypto.X509Certificate(pem);
    return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
  });
  if (!issued) return `endorser certificate is not issued by a ${endorsement.org} CA`;
  if (!/^OU=peer$/m.test(certificate.subject)) return `endorser of ${endorsement.org} is not a peer`;
  return undefined;
}

function algorithmOf(certificatePem: string): OrgSignature['alg'] {
  const key = new crypto.X509Certificate(certificatePem).publicKey;
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ECDSA-P256';
  throw new ProtobufError('unsupported endorser key type');
}

function invalid(reason: string): VerifyResult {
  return { valid: false, reason };
}
