// A gateway's ledger in its own process, for the lease tests: appends the records it reads from
// stdin (one JSON per line) and prints each outcome; its witness co-signer stalls on the
// HANG_AT-th signature for HANG_MS, which keeps the round — and the append lock — open.
import readline from 'node:readline';
import { sm2Sign } from '../../../crypto/index.ts';
import { KmsClient, kmsSealer } from '../../../kms/index.ts';
import { openEmbeddedLedger, type LedgerRecord } from '../../../ledger/index.ts';

const env = process.env as Record<string, string>;
let signatures = 0;
const ledger = await openEmbeddedLedger({
  dataDir: '/nonexistent',
  databaseUrl: env.DATABASE_URL!,
  leaseMs: Number(env.LEASE_MS),
  sealer: kmsSealer(new KmsClient({ url: env.KMS_URL!, token: env.KMS_TOKEN! }), 'ledger-operator-key'),
  organizations: [
    {
      org: 'witness',
      alg: 'SM2',
      publicKey: env.WITNESS_PUBLIC!,
      sign: async (statement) => {
        if (++signatures === Number(env.HANG_AT)) {
          process.stdout.write('holding\n');
          await new Promise((resolve) => setTimeout(resolve, Number(env.HANG_MS)));
        }
        return sm2Sign(statement, env.WITNESS_PRIVATE!);
      },
    },
  ],
});
process.stdout.write('ready\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const record = JSON.parse(line) as LedgerRecord;
  ledger.append(record).then(
    (proof) => process.stdout.write(JSON.stringify({ id: record.id, proof }) + '\n'),
    (error: { code?: string }) => process.stdout.write(JSON.stringify({ id: record.id, error: error.code ?? 'ERROR' }) + '\n'),
  );
}
