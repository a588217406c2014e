import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * One archive file (SPEC 5): gzip of NDJSON, one JSON object a line. First a header (schema version, run,
 * partition), then every bet, then every wallet entry of those bets, then a trailer with the counts and money totals.
 * NDJSON because any tool reads it (`zcat | jq`) and a restore can stream it; gzip because it is in Node and
 * every shell; the trailer makes a truncated file detectable even without the manifest.
 */
export const ARCHIVE_SCHEMA_VERSION = 1;

export interface ArchivedBetRow {
  id: string;
  player_id: string;
  client_bet_id: string;
  status: string;
  result: string | null;
  stake: number;
  payout: number | null;
  settled_at: number | null;
  updated_at: number;
  [column: string]: unknown;
}

export interface ArchivedEntryRow {
  id: number;
  wallet_id: number;
  bet_id: string | null;
  amount: number;
  [column: string]: unknown;
}

export interface ArchiveTotals {
  bets: number;
  walletEntries: number;
  stakeTotal: number;
  payoutTotal: number;
  entryAmountTotal: number;
}

/** The counts and money a file, its trailer, its manifest and a restore must agree on. */
export const TOTAL_KEYS = [
  'bets',
  'walletEntries',
  'stakeTotal',
  'payoutTotal',
  'entryAmountTotal',
] as const satisfies readonly (keyof ArchiveTotals)[];

export interface ArchiveManifest extends ArchiveTotals {
  runId: string;
  partitionKey: string;
  objectKey: string;
  schemaVersion: number;
  sha256: string;
  bytes: number;
  minBetId: string;
  maxBetId: string;
  minEntryId: number | null;
  maxEntryId: number | null;
  minFinalAt: number;
  maxFinalAt: number;
}

export interface ArchiveContent {
  runId: string;
  partitionKey: string;
  bets: ArchivedBetRow[];
  entries: ArchivedEntryRow[];
}

/** A manifest as Postgres holds it (`archive_manifests` / `archive_manifest_view`: snake_case, bigints as numbers). */
export function manifestFromRow(r: Record<string, unknown>): ArchiveManifest {
  const nullable = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    runId: String(r.run_id),
    partitionKey: String(r.partition_key),
    objectKey: String(r.object_key),
    schemaVersion: Number(r.schema_version),
    bets: Number(r.bets),
    walletEntries: Number(r.wallet_entries),
    sha256: String(r.sha256),
    bytes: Number(r.bytes),
    minBetId: String(r.min_bet_id),
    maxBetId: String(r.max_bet_id),
    minEntryId: nullable(r.min_entry_id),
    maxEntryId: nullable(r.max_entry_id),
    minFinalAt: Number(r.min_final_at),
    maxFinalAt: Number(r.max_final_at),
    stakeTotal: Number(r.stake_total),
    payoutTotal: Number(r.payout_total),
    entryAmountTotal: Number(r.entry_amount_total),
  };
}

/** Where a partition's file goes: one per run and partition, so a rerun of the same partition overwrites it. */
export function archiveObjectKey(runId: string, partitionKey: string): string {
  return `runs/${runId}/${partitionKey}.ndjson.gz`;
}

export function totalsOf(bets: ArchivedBetRow[], entries: ArchivedEntryRow[]): ArchiveTotals {
  // Sums stay far below 2^53 (cents); BigInt would only matter past 90 trillion dollars a partition.
  return {
    bets: bets.length,
    walletEntries: entries.length,
    stakeTotal: bets.reduce((s, b) => s + Number(b.stake), 0),
    payoutTotal: bets.reduce((s, b) => s + Number(b.payout ?? 0), 0),
    entryAmountTotal: entries.reduce((s, e) => s + Number(e.amount), 0),
  };
}

const finalAt = (b: ArchivedBetRow): number => Number(b.settled_at ?? b.updated_at);

/**
 * Smallest and largest of `values` (null when empty; strings in code unit order, as `sort()` orders them), in one
 * pass: a partition may hold 100,000 bets and twice as many entries, more arguments than `Math.min(...values)` may
 * spread onto the stack.
 */
export function extent<T extends number | string>(values: readonly T[]): { min: T; max: T } | null {
  if (values.length === 0) return null;
  let min = values[0]!;
  let max = min;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Encodes the file and builds its manifest (what the ledger records once the file is verified). Synchronous, like the
 * decode: bet-ledger runs it in its archive thread and the restore in its own process, never on a loop serving bets.
 */
export function encodeArchive(content: ArchiveContent): { body: Buffer; manifest: ArchiveManifest } {
  if (content.bets.length === 0) throw new Error('an archive file needs at least one bet');
  const totals = totalsOf(content.bets, content.entries);
  const lines = [
    JSON.stringify({ type: 'header', schemaVersion: ARCHIVE_SCHEMA_VERSION, runId: content.runId, partitionKey: content.partitionKey }),
    ...content.bets.map((row) => JSON.stringify({ type: 'bet', row })),
    ...content.entries.map((row) => JSON.stringify({ type: 'wallet_entry', row })),
    JSON.stringify({ type: 'trailer', ...totals }),
  ];
  const body = gzipSync(Buffer.from(lines.join('\n') + '\n'));
  const betIds = extent(content.bets.map((b) => b.id));
  const entryIds = extent(content.entries.map((e) => Number(e.id)));
  const times = extent(content.bets.map(finalAt))!; // at least one bet (checked above)
  return {
    body,
    manifest: {
      runId: content.runId,
      partitionKey: content.partitionKey,
      objectKey: archiveObjectKey(content.runId, content.partitionKey),
      schemaVersion: ARCHIVE_SCHEMA_VERSION,
      sha256: sha256(body),
      bytes: body.length,
      minBetId: betIds!.min,
      maxBetId: betIds!.max,
      minEntryId: entryIds?.min ?? null,
      maxEntryId: entryIds?.max ?? null,
      minFinalAt: times.min,
      maxFinalAt: times.max,
      ...totals,
    },
  };
}

export const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/** Decodes a file; throws on a bad gzip stream, a bad line, a missing header or trailer. */
export function decodeArchive(body: Buffer): ArchiveContent & { schemaVersion: number; trailer: ArchiveTotals } {
  const parsed = gunzipSync(body)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
  const header = parsed[0];
  const trailer = parsed[parsed.length - 1];
  if (header?.type !== 'header') throw new Error('archive file has no header');
  if (trailer?.type !== 'trailer' || parsed.length < 2) throw new Error('archive file has no trailer (truncated?)');
  const bets: ArchivedBetRow[] = [];
  const entries: ArchivedEntryRow[] = [];
  for (let i = 1; i < parsed.length - 1; i++) {
    const line = parsed[i]!;
    if (line.type === 'bet') bets.push(line.row as ArchivedBetRow);
    else if (line.type === 'wallet_entry') entries.push(line.row as ArchivedEntryRow);
    else throw new Error(`archive file has an unknown line type ${JSON.stringify(line.type)}`);
  }
  const { type: _t, ...totals } = trailer;
  return {
    schemaVersion: Number(header.schemaVersion),
    runId: String(header.runId),
    partitionKey: String(header.partitionKey),
    bets,
    entries,
    trailer: totals as unknown as ArchiveTotals,
  };
}

export type DecodedArchive = ReturnType<typeof decodeArchive>;

/**
 * A stored file against its manifest, with nothing else to go on (the restore's check, and the first half of the
 * ledger's read-back check): the bytes hash to the manifest's sha256 and size, the header names the manifest's run,
 * partition and schema version, and the rows' counts, money sums and id and time ranges are the manifest's (and the
 * trailer's). Returns the problems found (empty: the file is the one the manifest describes) and the decoded file
 * when it could be read.
 */
export function checkArchiveFile(body: Buffer, manifest: ArchiveManifest): { problems: string[]; decoded: DecodedArchive | null } {
  const problems: string[] = [];
  if (body.length !== manifest.bytes) problems.push(`size ${body.length} != ${manifest.bytes}`);
  if (sha256(body) !== manifest.sha256) problems.push('sha256 differs');
  let decoded: DecodedArchive;
  try {
    decoded = decodeArchive(body);
  } catch (err) {
    return { problems: [...problems, `unreadable: ${(err as Error).message}`], decoded: null };
  }
  if (decoded.schemaVersion !== manifest.schemaVersion) problems.push('schema version differs');
  if (decoded.runId !== manifest.runId || decoded.partitionKey !== manifest.partitionKey) problems.push('header names another partition');
  const totals = totalsOf(decoded.bets, decoded.entries);
  for (const k of TOTAL_KEYS) {
    if (totals[k] !== manifest[k]) problems.push(`${k} ${totals[k]} != manifest ${manifest[k]}`);
    if (Number(decoded.trailer[k]) !== manifest[k]) problems.push(`trailer ${k} != manifest`);
  }
  const betIds = extent(decoded.bets.map((b) => b.id));
  if (betIds && (betIds.min !== manifest.minBetId || betIds.max !== manifest.maxBetId)) {
    problems.push('bet id range differs from the manifest');
  }
  const entryIds = extent(decoded.entries.map((e) => Number(e.id)));
  if ((entryIds?.min ?? null) !== manifest.minEntryId || (entryIds?.max ?? null) !== manifest.maxEntryId) {
    problems.push('entry id range differs from the manifest');
  }
  const times = extent(decoded.bets.map(finalAt));
  if (times && (times.min !== manifest.minFinalAt || times.max !== manifest.maxFinalAt))
    problems.push('final time range differs from the manifest');
  return { problems, decoded };
}

/**
 * The read-back check before any row is deleted: the file is the one its manifest describes (`checkArchiveFile`) and
 * holds exactly the rows (by id) the database selection holds. Returns the problems found (empty: verified).
 */
export function verifyArchive(body: Buffer, manifest: ArchiveManifest, expected: { betIds: string[]; entryIds: number[] }): string[] {
  const { problems, decoded } = checkArchiveFile(body, manifest);
  if (!decoded) return problems;
  if (
    !sameSet(
      decoded.bets.map((b) => b.id),
      expected.betIds,
    )
  )
    problems.push('bet ids differ from the selection');
  if (
    !sameSet(
      decoded.entries.map((e) => Number(e.id)),
      expected.entryIds,
    )
  )
    problems.push('entry ids differ from the selection');
  return problems;
}

/** The same values, each once on both sides (ids are unique in a file and in a selection), in linear time. */
function sameSet<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  const seen = new Set(a);
  return seen.size === a.length && b.every((v) => seen.has(v));
}

/** A partition: one UTC day of final times, cut into chunks of at most `maxBets` bets. */
export interface PartitionRef {
  day: string;
  chunk: number;
}

export const partitionKey = (p: PartitionRef): string => `${p.day}-${String(p.chunk).padStart(4, '0')}`;

/** UTC day bounds [start, end) in epoch ms of `YYYY-MM-DD`. */
export function dayBounds(day: string): { start: number; end: number } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`bad day ${JSON.stringify(day)}`);
  const start = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(start)) throw new Error(`bad day ${JSON.stringify(day)}`);
  return { start, end: start + 86_400_000 };
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
