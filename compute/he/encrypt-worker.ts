// Worker-thread side of `EncryptionPool`: encrypts the column parts it is sent, one at a time.
import { serveTasks } from '../../common/threads/serve.ts';
import { encryptColumn } from './encrypt.ts';
import type { ColumnSpec } from './operations.ts';

export interface EncryptTask {
  publicKey: Uint8Array;
  values: Float64Array;
  spec: ColumnSpec;
}

serveTasks(
  async ({ publicKey, values, spec }: EncryptTask) => new Uint8Array(await encryptColumn(publicKey, values, spec)),
  (column) => [column.buffer],
);
