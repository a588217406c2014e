import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  checkArchiveFile,
  extent,
  archiveObjectKey,
  dayBounds,
  decodeArchive,
  encodeArchive,
  partitionKey,
  utcDay,
  verifyArchive,
  type ArchivedBetRow,
  type ArchivedEntryRow,
} from './archive-file.js';

const bet = (id: string, stake: number, payout: number | null, settledAt: number): ArchivedBetRow => ({
  id,
  player_id: 'p1',
  client_bet_id: `c-${id}`,
  status: 'confirmed',
  result: payout ? 'won' : 'lost',
  stake,
  payout,
  settled_at: settledAt,
  updated_at: settledAt,
  price_low: '100.5',
});
const entry = (id: number, betId: string, amount: number): ArchivedEntryRow => ({
  id,
  wallet_id: 7,
  bet_id: betId,
  amount,
  kind: amount < 0 ? 'stake' : 'payout',
});

const bets = [bet('b2', 100, 230, 2_000), bet('b1', 50, null, 1_000)];
const entries = [entry(10, 'b1', -50), entry(11, 'b2', -100), entry(12, 'b2', 230)];

describe('archive file', () => {
  it('round-trips rows and builds the manifest (counts, totals, ranges, sha256)', async () => {
    const { body, manifest } = encodeArchive({ runId: 'r1', partitionKey: '2026-01-01-0000', bets, entries });
    expect(manifest).toMatchObject({
      objectKey: 'runs/r1/2026-01-01-0000.ndjson.gz',
      schemaVersion: 1,
      bets: 2,
      walletEntries: 3,
      stakeTotal: 150,
      payoutTotal: 230,
      entryAmountTotal: 80,
      minBetId: 'b1',
      maxBetId: 'b2',
      minEntryId: 10,
      maxEntryId: 12,
      minFinalAt: 1_000,
      maxFinalAt: 2_000,
      bytes: body.length,
    });
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    const decoded = decodeArchive(body);
    expect(decoded.bets).toEqual(bets);
    expect(decoded.entries).toEqual(entries);
    expect(verifyArchive(body, manifest, { betIds: ['b1', 'b2'], entryIds: [12, 11, 10] })).toEqual([]);
  });

  it('refuses a corrupted, truncated or different file', async () => {
    const { body, manifest } = encodeArchive({ runId: 'r1', partitionKey: 'k', bets, entries });
    const flipped = Buffer.from(body);
    flipped[flipped.length - 5] = flipped[flipped.length - 5]! ^ 0xff;
    expect(verifyArchive(flipped, manifest, { betIds: ['b1', 'b2'], entryIds: [10, 11, 12] })).not.toEqual([]);
    expect(verifyArchive(body.subarray(0, body.length - 10), manifest, { betIds: ['b1', 'b2'], entryIds: [10, 11, 12] })).not.toEqual([]);
    // A well-formed file that lost its trailer (a cut NDJSON stream, gzipped again) is refused too.
    const lines = decodeArchive(body);
    const cut = gzipSync(
      Buffer.from(
        JSON.stringify({ type: 'header', schemaVersion: 1, runId: 'r1', partitionKey: 'k' }) +
          '\n' +
          JSON.stringify({ type: 'bet', row: lines.bets[0] }) +
          '\n',
      ),
    );
    expect(() => decodeArchive(cut)).toThrow(/trailer/);
    // The selection and the file disagree (an entry missing from the file).
    expect(verifyArchive(body, manifest, { betIds: ['b1', 'b2'], entryIds: [10, 11, 12, 13] })).toContain(
      'entry ids differ from the selection',
    );
    // The manifest lies about money.
    expect(verifyArchive(body, { ...manifest, payoutTotal: 1 }, { betIds: ['b1', 'b2'], entryIds: [10, 11, 12] }).join()).toMatch(
      /payoutTotal/,
    );
  });

  it('checks a file against its manifest alone (the restore): the same file passes, ranges or figures another manifest claims do not', async () => {
    const { body, manifest } = encodeArchive({ runId: 'r1', partitionKey: '2026-01-01-0000', bets, entries });
    const ok = checkArchiveFile(body, manifest);
    expect(ok.problems).toEqual([]);
    expect(ok.decoded?.bets).toEqual(bets);
    expect(checkArchiveFile(body, { ...manifest, maxBetId: 'b9' }).problems).toEqual(['bet id range differs from the manifest']);
    expect(checkArchiveFile(body, { ...manifest, minEntryId: 9 }).problems).toEqual(['entry id range differs from the manifest']);
    expect(checkArchiveFile(body, { ...manifest, maxFinalAt: 3_000 }).problems).toEqual(['final time range differs from the manifest']);
    expect(checkArchiveFile(body, { ...manifest, payoutTotal: 231 }).problems).toEqual([
      'payoutTotal 230 != manifest 231',
      'trailer payoutTotal != manifest',
    ]);
    const garbage = checkArchiveFile(Buffer.from('not gzip'), manifest);
    expect(garbage.decoded).toBeNull();
    expect(garbage.problems.at(-1)).toMatch(/^unreadable: /);
  });

  it('names partitions by UTC day and chunk', async () => {
    expect(partitionKey({ day: '2026-11-03', chunk: 2 })).toBe('2026-11-03-0002');
    expect(archiveObjectKey('r', '2026-11-03-0002')).toBe('runs/r/2026-11-03-0002.ndjson.gz');
    expect(dayBounds('2026-11-03')).toEqual({ start: Date.UTC(2026, 10, 3), end: Date.UTC(2026, 10, 4) });
    expect(utcDay(Date.UTC(2026, 10, 3, 23, 59, 59, 999))).toBe('2026-11-03');
    expect(() => dayBounds('2026-13-45')).toThrow();
    expect(() => encodeArchive({ runId: 'r', partitionKey: 'k', bets: [], entries: [] })).toThrow();
  });

  it('takes the id and time ranges of a partition of any allowed size (more values than a spread call may take)', () => {
    // ARCHIVE_PARTITION_MAX_BETS allows 100,000 bets: a stake and a payout or refund each is 200,000 entry ids.
    const many = Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 200_000);
    expect(() => Math.min(...many)).toThrow(RangeError); // why extent loops
    expect(extent(many)).toEqual({ min: 0, max: 199_999 });
    expect(extent([5])).toEqual({ min: 5, max: 5 });
    expect(extent([])).toBeNull();
  });
});
