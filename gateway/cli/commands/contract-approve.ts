import path from 'node:path';
import { parseArgs } from 'node:util';
import { SluiceError } from '../../../common/errors.ts';
import { canonicalize, normalizeSm2PublicKey, sm2PublicKeyFromPrivate, sm2Sign, sm3Hex } from '../../../crypto/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';
import { caller, type ContractBody } from '../contract-views.ts';
import { GatewayClient, gatewayTarget } from '../gateway-client.ts';
import { readKeyFile } from '../key-file.ts';

/**
 * `sluice contract approve ID --key FILE`: the owner signs the contract's terms on this machine —
 * RFC 8785 bytes, SM2 with the default signer ID, DER hex (SURFACE.md) — and sends only the
 * signature. The terms are checked against their digest and the key against the party's
 * registered public key first, so nothing is signed that the gateway would not accept.
 */
const approve: Command = {
  summary: 'sign a contract locally with the owner key file and approve it',
  usage: 'sluice contract approve CONTRACT_ID --key FILE [--gateway URL --token T]',
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1 || !values.key) throw new UsageError('give a CONTRACT_ID and --key FILE');
    const privateKey = readKeyFile(path.resolve(io.cwd, values.key));
    const { url, token } = gatewayTarget(values, io.env);
    const client = new GatewayClient(url, token);
    const contract = await client.get<ContractBody>(`/v1/contracts/${encodeURIComponent(positionals[0]!)}`);
    const canonical = canonicalize(contract.terms);
    if (sm3Hex(canonical) !== contract.digest) throw new SluiceError('SIGNATURE_INVALID', 'the terms received do not match their digest; nothing was signed');
    const me = await caller(client);
    if (!me || me.id !== contract.terms.ownerId) throw new SluiceError('FORBIDDEN', 'only the data owner may approve this contract');
    if (!me.publicKey || normalizeSm2PublicKey(me.publicKey) !== sm2PublicKeyFromPrivate(privateKey)) {
      throw new SluiceError('SIGNATURE_INVALID', 'the key file does not match the public key registered for this party; nothing was sent');
    }
    const { body } = await client.post<{ status: string; ledger: { recordId: string; anchored: boolean } }>(`/v1/contracts/${contract.id}/approve`, {
      signature: sm2Sign(canonical, privateKey),
    });
    writeLine(io.stdout, JSON.stringify({ id: contract.id, digest: contract.digest, ...body }));
    return 0;
  },
};

export default approve;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: { gateway: { type: 'string' }, token: { type: 'string' }, key: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
