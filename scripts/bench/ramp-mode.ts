/**
 * `--mode ramp`: open-loop loads at rising rates on one platform until a step is not sustainable (ramp-rule.ts);
 * the answer is the maximum sustainable e2e rate. A pause between steps lets the previous step's backlog clear.
 */
import type { BenchContext } from './bench-context.js';
import { runE2eLoad, warmUp } from './e2e-load.js';
import { openE2eSession } from './e2e-session.js';
import { DEFAULT_RAMP_POLICY, judgeStep, maxSustainableRate, rampRates } from './ramp-rule.js';
import type { RampResult, RampStep } from './result-types.js';

const PAUSE_BETWEEN_STEPS_MS = 3_000;

export async function runRampMode(ctx: BenchContext): Promise<RampResult> {
  const { opts } = ctx;
  const mark = ctx.cleanup.mark();
  const steps: RampStep[] = [];
  let stoppedBecause = `reached --ramp-max ${opts.rampMax}`;
  try {
    const session = await openE2eSession(ctx);
    await warmUp(session, opts.warmUpS);
    const rates = rampRates(opts.rampStart, opts.rampFactor, opts.rampMax);
    for (const [i, rate] of rates.entries()) {
      if (ctx.signal.aborted) {
        stoppedBecause = 'interrupted';
        break;
      }
      const last = i === rates.length - 1;
      const result = await runE2eLoad(session, rate, opts.rampStepDurationS * 1000, `ramp ${rate}/s`, { measureNonces: false });
      const verdict = judgeStep(
        {
          offeredRate: rate,
          achievedRate: result.achievedRate,
          p99Ms: result.latencyMs.p99,
          errors: result.errors.total,
          sendLagP99Ms: result.sendLagMs.p99,
        },
        DEFAULT_RAMP_POLICY,
      );
      steps.push({ result, sustainable: verdict.sustainable, reasons: verdict.reasons });
      ctx.log(
        `ramp ${rate}/s: p99 ${result.latencyMs.p99?.toFixed(1) ?? '—'} ms, errors ${result.errors.total} → ${verdict.sustainable ? 'ok' : verdict.reasons.join('; ')}`,
      );
      if (!verdict.sustainable) {
        stoppedBecause = `${rate}/s: ${verdict.reasons.join('; ')}`;
        break;
      }
      if (!last) await new Promise((r) => setTimeout(r, PAUSE_BETWEEN_STEPS_MS));
    }
  } finally {
    await ctx.cleanup.unwindTo(mark, ctx.log);
  }
  return {
    mode: 'ramp',
    stepDurationS: opts.rampStepDurationS,
    steps,
    maxSustainableRate: maxSustainableRate(
      steps.map((s) => ({ offeredRate: s.result.offeredRate, verdict: { ...s, generatorLimited: false } })),
    ),
    stoppedBecause,
  };
}
