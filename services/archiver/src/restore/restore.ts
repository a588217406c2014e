import { TOTAL_KEYS, checkArchiveFile, type ArchiveManifest, type ArchiveStore, type ArchiveTotals } from '@wagerflow/archive-store';
import { withTransaction, type Pool } from '@wagerflow/db';
import { auditTotals, manifestsMatching, replaceAuditPartition } from '../repositories/audit.repository.js';

export interface PartitionRestore {
  runId: string;
  partitionKey: string;
  objectKey: string;
  /** `restored`: loaded and matching its manifest; `failed`: nothing of this partition was loaded (see `problems`). */
  status: 'restored' | 'failed';
  bets: number;
  walletEntries: number;
  problems: string[];
}

export class NothingToRestoreError extends Error {
  constructor(selector: string) {
    super(`no archived partition matches ${JSON.stringify(selector)} (a run id, a partition key, a UTC day or <runId>/<partitionKey>)`);
    this.name = 'NothingToRestoreError';
  }
}

/** Differences between what the audit tables now hold and the manifest (empty: they agree). */
function totalsProblems(loaded: ArchiveTotals, manifest: ArchiveManifest): string[] {
  return TOTAL_KEYS.filter((k) => loaded[k] !== manifest[k]).map((k) => `loaded ${k} ${loaded[k]} != manifest ${manifest[k]}`);
}

/** Rolls the partition's transaction back, carrying what differed. */
class MismatchError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/**
 * `pnpm archive:restore` (SPEC 5): loads the archive files a selector names back into the audit tables. Each file is
 * fetched from the store and checked against its manifest (size, sha256, header, counts, money sums, id and time
 * ranges) before anything is written; then one transaction per partition replaces that partition's audit rows and
 * counts and sums them again in Postgres against the manifest, rolling back on any difference. A file that fails a
 * check is reported and loads nothing; the other partitions are still restored.
 */
export async function restoreArchives(deps: {
  pool: Pool;
  store: ArchiveStore;
  selector: string;
  now?: () => number;
  onPartition?: (result: PartitionRestore) => void;
}): Promise<PartitionRestore[]> {
  const now = deps.now ?? Date.now;
  const manifests = await manifestsMatching(deps.pool, deps.selector);
  if (manifests.length === 0) throw new NothingToRestoreError(deps.selector);
  const results: PartitionRestore[] = [];
  for (const manifest of manifests) {
    const result = await restoreOne(deps.pool, deps.store, manifest, now());
    deps.onPartition?.(result);
    results.push(result);
  }
  return results;
}

async function restoreOne(pool: Pool, store: ArchiveStore, manifest: ArchiveManifest, now: number): Promise<PartitionRestore> {
  const base = { runId: manifest.runId, partitionKey: manifest.partitionKey, objectKey: manifest.objectKey };
  const failed = (problems: string[]): PartitionRestore => ({ ...base, status: 'failed', bets: 0, walletEntries: 0, problems });
  let body: Buffer;
  try {
    body = await store.get(manifest.objectKey);
  } catch (err) {
    return failed([`cannot read ${store.url}/${manifest.objectKey}: ${(err as Error).message}`]);
  }
  const { problems, decoded } = checkArchiveFile(body, manifest);
  if (!decoded || problems.length > 0) return failed(problems);
  try {
    await withTransaction(pool, async (client) => {
      await replaceAuditPartition(client, manifest, store.url, decoded, now);
      const mismatch = totalsProblems(await auditTotals(client, manifest.runId, manifest.partitionKey), manifest);
      if (mismatch.length > 0) throw new MismatchError(mismatch);
    });
  } catch (err) {
    if (err instanceof MismatchError) return failed(err.problems);
    // An integrity violation (a row twice in one file) is this file's fault: report it, restore the others.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('23')) return failed([`rejected by the audit tables: ${(err as Error).message}`]);
    throw err;
  }
  return { ...base, status: 'restored', bets: manifest.bets, walletEntries: manifest.walletEntries, problems: [] };
}
