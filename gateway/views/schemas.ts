import { contractResponse } from '../contracts/schemas.ts';
import { datasetResponse } from '../datasets/schemas.ts';
import { partyResponse } from '../parties/schemas.ts';

const next = { type: ['string', 'null'], description: 'cursor of the next page (pass as `after`), null on the last' } as const;

const list = (name: string, item: object) =>
  ({ type: 'object', required: [name, 'next'], properties: { [name]: { type: 'array', items: item }, next } }) as const;

export const meResponse = {
  type: 'object',
  required: ['role'],
  properties: { role: { type: 'string', enum: ['admin', 'party'] }, party: partyResponse },
} as const;

export const datasetListResponse = list('datasets', datasetResponse);

export const contractListResponse = list('contracts', {
  ...contractResponse,
  properties: {
    ...contractResponse.properties,
    ownerName: { type: 'string' },
    recipientName: { type: 'string' },
    recipientJurisdiction: { type: 'string' },
    datasetName: { type: ['string', 'null'] },
  },
});

const destination = { type: ['object', 'null'], properties: { country: { type: 'string' }, location: { type: 'string' } } } as const;

export const transferListResponse = list('transfers', {
  type: 'object',
  required: ['id', 'status', 'progress', 'contractId', 'exporterId', 'recipientId', 'records', 'subjects', 'createdAt'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string' },
    progress: { type: 'number' },
    contractId: { type: 'string' },
    exporterId: { type: 'string' },
    exporterName: { type: 'string' },
    recipientId: { type: 'string' },
    recipientName: { type: 'string' },
    datasetId: { type: 'string' },
    purpose: { type: 'string' },
    records: { type: 'integer' },
    subjects: { type: 'integer' },
    destination,
    mechanism: { type: ['string', 'null'] },
    packageDigest: { type: 'string' },
    createdAt: { type: 'string' },
  },
});

export const computeJobListResponse = list('jobs', {
  type: 'object',
  required: ['id', 'status', 'progress', 'operation', 'column', 'purpose', 'minGroupSize', 'approvals', 'pending', 'requesterId', 'inputs'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string' },
    progress: { type: 'number' },
    operation: { type: 'string' },
    column: { type: 'string' },
    purpose: { type: 'string' },
    minGroupSize: { type: 'integer' },
    approvals: { type: 'array', items: { type: 'string' } },
    pending: { type: 'array', items: { type: 'string' } },
    requesterId: { type: 'string' },
    createdAt: { type: 'string' },
    inputs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kind: { type: 'string' },
          partyId: { type: 'string' },
          datasetId: { type: ['string', 'null'] },
          contractId: { type: ['string', 'null'] },
          rows: { type: ['integer', 'null'] },
        },
      },
    },
  },
});

export const riskResponse = {
  type: 'object',
  required: ['quasiIdentifiers', 'k', 'sampled', 'minK', 'warn'],
  properties: {
    quasiIdentifiers: { type: 'array', items: { type: 'string' } },
    k: { type: ['integer', 'null'] },
    sampled: { type: 'integer' },
    minK: { type: ['integer', 'null'] },
    warn: { type: 'boolean' },
  },
} as const;
