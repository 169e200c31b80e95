import type { ContractTerms, DatasetFieldInfo } from '../terms/index.ts';

/** Response shapes of the gateway routes the console reads (SURFACE.md and the OpenAPI document). */

export interface Party {
  id: string;
  name: string;
  kind: 'domestic' | 'overseas' | 'regulator';
  jurisdiction: string;
  publicKey: string | null;
  ciio: boolean;
  ftz: string | null;
}

export interface Me {
  role: 'admin' | 'party';
  party?: Party;
}

export interface Dataset {
  id: string;
  name: string;
  ownerId: string;
  fields: Array<DatasetFieldInfo & { categorySource: string; subject: boolean }>;
  records: number;
  createdAt: string;
}

export interface Contract {
  id: string;
  status: 'pending' | 'approved' | 'revoked';
  terms: ContractTerms;
  digest: string;
  signature: string | null;
  approvedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  ownerName?: string;
  recipientName?: string;
  datasetName?: string | null;
}

export interface Transfer {
  id: string;
  status: string;
  progress: number;
  contractId: string;
  exporterId: string;
  exporterName?: string;
  recipientId: string;
  recipientName?: string;
  purpose: string;
  records: number;
  subjects: number;
  destination: { country: string; location: string } | null;
  mechanism: string | null;
  createdAt: string;
}

export interface Job {
  id: string;
  status: string;
  progress: number;
  operation: string;
  column: string;
  purpose: string;
  minGroupSize: number;
  approvals: string[];
  pending: string[];
  requesterId: string;
  createdAt: string;
  inputs: Array<{ kind: string; partyId: string; datasetId: string | null; contractId: string | null; rows: number | null }>;
}

export interface Page<K extends string, T> {
  next: string | null;
  items: Record<K, T[]>;
}

export interface FlowBucket {
  key: string;
  transfers: number;
  records: number;
  subjects: number;
}

export interface Flows {
  year: number;
  totals: { transfers: number; records: number; subjects: number };
  byDestination: FlowBucket[];
  byCategory: FlowBucket[];
  byMechanism: FlowBucket[];
  byMonth: FlowBucket[];
}

export interface Filing {
  exporterId: string;
  exporterName?: string | null;
  mechanism: string;
  reference: string;
  validFrom: string;
  validUntil: string;
  recordedAt?: string;
}
