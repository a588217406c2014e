/**
 * `pnpm archive:restore <selector>` (SPEC 5): loads archive files back into the audit tables and checks them against
 * their manifests. The selector is a run id, a partition key, a UTC day or `<runId>/<partitionKey>`. Reads
 * DATABASE_URL and ARCHIVE_URL (with the AWS_* variables for an s3:// store). Exit 0: every partition restored and
 * matching; 1: at least one failed a check (nothing of it was loaded); 2: bad usage or nothing matches.
 */
import { openArchiveStore } from '@wagerflow/archive-store';
import { archiveEnv, parseEnv, z } from '@wagerflow/config';
import { createPool } from '@wagerflow/db';
import { NothingToRestoreError, restoreArchives, type PartitionRestore } from './restore.js';

const USAGE = `usage: pnpm archive:restore <runId | partitionKey | YYYY-MM-DD | runId/partitionKey>

Loads the archive files it names into audit_bets and audit_wallet_entries (never the live tables), after checking
each file against its manifest (size, sha256, counts, money sums, id and time ranges). Restoring again replaces.
Environment: DATABASE_URL, ARCHIVE_URL (file:///dir or s3://bucket/prefix with the AWS_* variables).`;

const out = (line: string) => process.stdout.write(`${line}\n`);

function describe(r: PartitionRestore): string {
  const where = `${r.runId}/${r.partitionKey}`;
  return r.status === 'restored'
    ? `restored ${where}: ${r.bets} bets, ${r.walletEntries} wallet entries (match the manifest)`
    : `FAILED   ${where} (${r.objectKey}): ${r.problems.join('; ')}; nothing of it loaded`;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  const args = argv.filter((a) => a !== '--');
  if (args.length !== 1 || args[0]!.startsWith('-') || args[0]!.trim() === '') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const cfg = parseEnv(archiveEnv.extend({ DATABASE_URL: z.string().min(1) }), process.env);
  const store = openArchiveStore(cfg.ARCHIVE_URL, cfg);
  const pool = createPool(cfg.DATABASE_URL, { max: 2, applicationName: 'archive-restore' });
  try {
    const results = await restoreArchives({ pool, store, selector: args[0]!, onPartition: (r) => out(describe(r)) });
    const ok = results.filter((r) => r.status === 'restored');
    const sum = (k: 'bets' | 'walletEntries') => ok.reduce((s, r) => s + r[k], 0);
    out(
      `${ok.length} of ${results.length} partitions restored from ${store.url}: ${sum('bets')} bets into audit_bets, ` +
        `${sum('walletEntries')} wallet entries into audit_wallet_entries`,
    );
    return ok.length === results.length ? 0 : 1;
  } catch (err) {
    if (err instanceof NothingToRestoreError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`archive:restore failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
