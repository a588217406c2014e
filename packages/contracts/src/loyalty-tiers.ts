import { z } from 'zod';

/**
 * Loyalty tiers by lifetime points (SPEC 4.7): bronze 0 (×1.00), silver 1 000 (×1.25), gold 5 000 (×1.50),
 * platinum 20 000 (×2.00) by default, configurable as `name:minPoints:multiplierBps,…` (LOYALTY_TIERS).
 */
export interface Tier {
  name: string;
  minPoints: number;
  multiplierBps: number;
}

export const DEFAULT_TIERS = 'bronze:0:10000,silver:1000:12500,gold:5000:15000,platinum:20000:20000';

/** Parse and check a tier list: ascending thresholds starting at 0, unique names, multipliers ≥ ×1.00. */
export function parseTiers(spec: string): Tier[] {
  const tiers = spec.split(',').map((part) => {
    const fields = part.trim().split(':');
    const [name, min, mult] = fields;
    if (fields.length !== 3 || !name || !/^[a-z][a-z0-9_-]*$/.test(name) || !/^\d+$/.test(min ?? '') || !/^\d+$/.test(mult ?? '')) {
      throw new Error(`"${part.trim()}" is not name:minPoints:multiplierBps (lower-case name, whole numbers)`);
    }
    return { name, minPoints: Number(min), multiplierBps: Number(mult) };
  });
  if (tiers[0]?.minPoints !== 0) throw new Error('the first tier must start at 0 points');
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i]!.minPoints <= tiers[i - 1]!.minPoints) throw new Error('tier thresholds must be strictly ascending');
  }
  if (new Set(tiers.map((t) => t.name)).size !== tiers.length) throw new Error('tier names must be unique');
  if (tiers.some((t) => t.multiplierBps < 10_000)) throw new Error('a tier multiplier must be at least 10000 (×1.00)');
  return tiers;
}

/** The tier of a player with `lifetimePoints`: the highest threshold reached. */
export function tierFor(lifetimePoints: number, tiers: readonly Tier[]): Tier {
  let current = tiers[0];
  if (!current) throw new Error('no tiers configured');
  for (const tier of tiers) if (lifetimePoints >= tier.minPoints) current = tier;
  return current;
}

/** `LOYALTY_TIERS`, read by loyalty (accrual) and the gateway (a player's tier): one parse, one error message. */
export const loyaltyTiersSetting = z
  .string()
  .default(DEFAULT_TIERS)
  .transform((spec, ctx) => {
    try {
      return parseTiers(spec);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
