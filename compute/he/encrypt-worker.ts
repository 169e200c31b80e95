// Worker-thread side of encryptColumns: encrypts the column parts it is sent, one at a time.
import { parentPort } from 'node:worker_threads';
import { encryptColumn } from './encrypt.ts';
import type { ColumnSpec } from './operations.ts';

parentPort!.on('message', async ({ publicKey, values, spec }: { publicKey: Uint8Array; values: Float64Array; spec: ColumnSpec }) => {
  try {
    const column = await encryptColumn(publicKey, values, spec);
    const copy = new Uint8Array(column);
    parentPort!.postMessage({ column: copy }, [copy.buffer]);
  } catch (error) {
    const e = error as { code?: string; message?: string; details?: unknown };
    parentPort!.postMessage({ error: { code: e.code ?? 'INTERNAL', message: e.code ? e.message : 'encryption failed', details: e.details } });
  }
});
