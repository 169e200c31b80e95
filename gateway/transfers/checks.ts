import { SluiceError } from '../../common/index.ts';
import type { ContractRow } from '../contracts/service.ts';
import type { ContractTerms } from '../contracts/schemas.ts';

/** Deny by default: a transfer proceeds only through every one of these gates. */
export function assertContractUsable(contract: ContractRow, terms: Pick<ContractTerms, 'validFrom' | 'validUntil' | 'purposes'>, purpose: string, now: Date): void {
  if (contract.status === 'revoked') throw new SluiceError('CONTRACT_REVOKED', 'contract was revoked');
  if (contract.status !== 'approved') throw new SluiceError('CONTRACT_NOT_APPROVED', 'contract is not approved by the data owner');
  if (now.getTime() >= Date.parse(terms.validUntil)) throw new SluiceError('CONTRACT_EXPIRED', 'contract has expired');
  if (now.getTime() < Date.parse(terms.validFrom)) {
    throw new SluiceError('CONTRACT_NOT_YET_VALID', 'contract is not yet in force', { validFrom: terms.validFrom });
  }
  if (!terms.purposes.includes(purpose)) {
    throw new SluiceError('PURPOSE_NOT_ALLOWED', 'purpose is not among the contract purposes', { allowed: terms.purposes });
  }
}

/** How many records this transfer may carry under the contract's per-transfer cap. */
export function recordAllowance(terms: ContractTerms, limit: number | undefined): number {
  const cap = terms.maxRecordsPerTransfer;
  if (limit !== undefined && cap !== undefined && limit > cap) {
    throw new SluiceError('QUOTA_EXCEEDED', 'limit exceeds the contract cap on records per transfer', { maxRecordsPerTransfer: cap });
  }
  return Math.min(limit ?? Infinity, cap ?? Infinity);
}
