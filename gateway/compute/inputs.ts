import { SluiceError, fail } from '../../common/index.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import type { ContractTerms } from '../contracts/schemas.ts';
import { contractTerms, getContract, type ContractRow } from '../contracts/service.ts';
import type { Value } from '../datasets/records.ts';
import type { DatasetField } from '../datasets/schemas.ts';
import { datasetFields, getDataset, readColumnChunks, unwrapDatasetKey, type DatasetRow } from '../datasets/service.ts';
import { getParty } from '../parties/service.ts';
import { assertContractUsable } from '../transfers/checks.ts';
import type { CreateJobBody } from './schemas.ts';

export interface AuthorizedInput {
  contract: ContractRow;
  terms: ContractTerms;
  dataset: DatasetRow;
  field: DatasetField;
}

/** Transforms under which a contract lets its column into an aggregate. */
const COMPUTABLE = new Set(['aggregate', 'keep']);

/**
 * Deny by default, per input: the contract names the requester as recipient, is approved, in
 * force and not revoked, allows the purpose and covers this dataset; the column is not core
 * data, and the contract lists it as `aggregate` or `keep` — anything else is FORBIDDEN, as is
 * asking a PSI for the intersection itself unless every contract `keep`s the column.
 */
export async function authorizeInputs(ctx: GatewayContext, requester: Party, body: CreateJobBody): Promise<AuthorizedInput[]> {
  const out: AuthorizedInput[] = [];
  for (const [index, input] of body.inputs.entries()) {
    const contract = await getContract(ctx, input.contractId);
    if (contract.recipient_id !== requester.id) throw new SluiceError('FORBIDDEN', 'only the contract recipient may compute under it', { input: index });
    const terms = contractTerms(contract);
    assertContractUsable(contract, terms, body.purpose, ctx.now());
    if (contract.dataset_id !== input.datasetId) throw fail.validation('the contract covers another dataset', { input: index });
    const dataset = await getDataset(ctx, input.datasetId);
    const field = datasetFields(dataset).find((f) => f.name === body.column);
    if (field?.category === 'core') {
      throw new SluiceError('CORE_DATA_PROHIBITED', 'core data may not be provided abroad (R-CORE)', { rules: ['R-CORE'], input: index });
    }
    const transform = terms.fields[body.column]?.transform;
    if (!field || !transform || !COMPUTABLE.has(transform)) {
      throw new SluiceError('FORBIDDEN', 'the contract does not list this column for aggregation (transform aggregate or keep)', { input: index });
    }
    if (body.operation === 'psi' && body.mode === 'intersection' && transform !== 'keep') {
      throw new SluiceError('FORBIDDEN', 'a PSI intersection reveals values: every contract must keep the column', { input: index });
    }
    if (body.operation !== 'psi' && body.operation !== 'count' && field.type !== 'number') {
      throw fail.validation('the column is not numeric', { input: index });
    }
    out.push({ contract, terms, dataset, field });
  }
  return out;
}

/** Contributors are overseas parties adding their own encrypted column (`sluice compute contribute`). */
export async function checkContributors(ctx: GatewayContext, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const party = await getParty(ctx, id).catch(() => undefined);
    if (party?.kind !== 'overseas') throw fail.validation('contributors must be registered overseas parties', { field: 'contributors' });
  }
}

/** A job's use of its contracts is re-checked at release: a revoked or lapsed contract releases nothing. */
export async function recheckContracts(ctx: GatewayContext, contractIds: readonly string[], purpose: string): Promise<void> {
  for (const id of contractIds) {
    const contract = await getContract(ctx, id);
    assertContractUsable(contract, contractTerms(contract), purpose, ctx.now());
  }
}

export interface ColumnValues {
  /** The column's non-empty values, in storage order. */
  values: Value[];
  /** Per value, the row's subject identifier; absent when the dataset has no subject field. */
  subjects?: Value[];
}

/**
 * One column of a dataset, decrypted with a data key the KMS unwraps for this call only — or
 * with `key`, unwrapped by the caller ahead of time; either way it is zeroed when done. With
 * `uploads`, only those (the state a job pinned) are read.
 */
export async function readColumn(ctx: GatewayContext, dataset: DatasetRow, column: string, key?: Promise<Uint8Array>, uploads?: readonly string[]): Promise<ColumnValues> {
  const identified = dataset.subject_field !== null;
  const values: Value[] = [];
  const subjects: Value[] = [];
  const dek = await (key ?? unwrapDatasetKey(ctx, dataset));
  try {
    for await (const chunk of readColumnChunks(ctx, dataset, dek, column, uploads)) {
      // SQLite reads never wait on I/O: without a turn of the event loop here, encryption
      // threads that finished a part would idle until the whole column is read.
      await new Promise(setImmediate);
      for (let i = 0; i < chunk.values.length; i++) {
        const value = chunk.values[i]!;
        if (value === null || Number.isNaN(value)) continue;
        values.push(value);
        if (identified) subjects.push(chunk.subjects![i] ?? null);
      }
    }
  } finally {
    dek.fill(0);
  }
  return identified ? { values, subjects } : { values };
}

/**
 * Distinct persons behind the values of all inputs: by subject identifier where the row has
 * one (the same person in two datasets counts once), otherwise each row is a person.
 */
export function distinctPersons(columns: readonly ColumnValues[]): number {
  const identified = new Set<string>();
  let rows = 0;
  for (const column of columns) {
    if (!column.subjects) {
      rows += column.values.length;
      continue;
    }
    for (const subject of column.subjects) {
      if (subject === null) rows++;
      else identified.add(String(subject));
    }
  }
  return identified.size + rows;
}
