import { describe, expect, it } from 'vitest';
import { lateVoidCorrections } from './late-void.js';
import { accrualPoints } from './points.js';

const rates = { houseEdgeBps: 500, pointsPerUnitBps: 10_000 };

describe('lateVoidCorrections', () => {
  it('takes back the difference between what the slip earned and what it earns without the voided bets', () => {
    // 10 000 wagered at ×1.25 earned 625; bets of 3 000 are voided: 7 000 left earns 437.
    const before = accrualPoints(10_000, rates, 12_500);
    const [c] = lateVoidCorrections(
      [{ id: 's1', playerId: 'p1', wagered: 7_000, tierMultiplierBps: 12_500, points: before }],
      [
        { slipId: 's1', betId: 'b2', correlationId: 'c2' },
        { slipId: 's1', betId: 'b1', correlationId: 'c1' },
      ],
      rates,
    );
    expect(before).toBe(625);
    expect(c).toMatchObject({ slipId: 's1', points: 437 });
    expect(c!.credit).toMatchObject({
      playerId: 'p1',
      kind: 'accrual',
      points: 437 - 625,
      ratingSlipId: 's1',
      staffId: null,
      correlationId: 'c1',
      idempotencyKey: 'void:s1:b1',
      reason: 'bet b1 and 1 more voided after the slip accrued',
    });
  });
  it('writes nothing for slips without voids or when the floor leaves the points unchanged', () => {
    expect(
      lateVoidCorrections(
        [
          { id: 's1', playerId: 'p1', wagered: 100, tierMultiplierBps: 10_000, points: accrualPoints(100, rates, 10_000) },
          { id: 's2', playerId: 'p1', wagered: 100, tierMultiplierBps: 10_000, points: 5 },
        ],
        [{ slipId: 's1', betId: 'b', correlationId: 'c' }],
        rates,
      ),
    ).toEqual([]);
  });
});
