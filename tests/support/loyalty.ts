import { AdminClient, StaffClient } from '@wagerflow/client';
import type { LoyaltyEntry, SlipView, StaffRole } from '@wagerflow/contracts';
import { eventually } from './players.js';

export async function createStaff(admin: AdminClient, baseUrl: string, role: StaffRole): Promise<StaffClient & { staffId: string }> {
  const created = await admin.createStaff(`${role}-${Math.random().toString(36).slice(2, 8)}`, role);
  if (created.status !== 201) throw new Error(`create staff: ${created.status} ${JSON.stringify(created.body)}`);
  return Object.assign(new StaffClient(baseUrl, created.body.token), { staffId: created.body.staffId });
}

/** Every entry of the player, newest first, following `nextCursor` to the end. */
export async function allEntries(staff: StaffClient, playerId: string): Promise<LoyaltyEntry[]> {
  const entries: LoyaltyEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await staff.playerLoyalty(playerId, { limit: 17, cursor });
    if (page.status !== 200) throw new Error(`loyalty page: ${page.status} ${JSON.stringify(page.body)}`);
    entries.push(...page.body.entries);
    if (!page.body.nextCursor) return entries;
    cursor = page.body.nextCursor;
  }
}

/** The player's slips once `check` accepts them. */
export function slipsWhen(
  staff: StaffClient,
  playerId: string,
  check: (s: SlipView[]) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<SlipView[]> {
  return eventually(
    async () => {
      const r = await staff.slips(playerId);
      return r.status === 200 && check(r.body) ? r.body : undefined;
    },
    timeoutMs,
    what,
  );
}

/** SPEC 4.7's points at the given rate and a 5 % edge: floor(wagered × 500 × rate × tier / 10¹²). */
export const pointsFor = (wagered: number, pointsPerUnitBps: number, tierBps = 10_000) =>
  Number((BigInt(wagered) * 500n * BigInt(pointsPerUnitBps) * BigInt(tierBps)) / 10n ** 12n);

/** The before/after chain of a player's entries (oldest first) is unbroken and ends at `points`. */
export function chainIsUnbroken(newestFirst: readonly LoyaltyEntry[], points: number): boolean {
  const entries = [...newestFirst].reverse();
  let balance = 0;
  for (const e of entries) {
    if (e.balanceBefore !== balance || e.balanceAfter !== e.balanceBefore + e.points) return false;
    balance = e.balanceAfter;
  }
  return balance === points;
}
