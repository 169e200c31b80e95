import type { Kysely } from 'kysely';
import type { Dialect } from '../../../common/index.ts';

/** What the compliance stores need of the gateway's database; `GatewayContext` satisfies it. */
export interface ComplianceDatabase {
  db: Kysely<any>;
  dialect: Dialect;
}
