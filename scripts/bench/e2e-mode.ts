/** `--mode e2e`: one open-loop load at `--rate` for `--duration` through the whole platform. */
import type { BenchContext } from './bench-context.js';
import { measureIdleCpu, runE2eLoad, warmUp } from './e2e-load.js';
import { openE2eSession } from './e2e-session.js';
import type { E2eResult } from './result-types.js';

const IDLE_SECONDS = 5;

export async function runE2eMode(ctx: BenchContext): Promise<E2eResult> {
  const mark = ctx.cleanup.mark();
  try {
    const session = await openE2eSession(ctx);
    await warmUp(session, ctx.opts.warmUpS);
    const idleCpu = await measureIdleCpu(session, IDLE_SECONDS);
    ctx.log(`e2e: ${ctx.opts.rate} bets/s for ${ctx.opts.durationS} s`);
    const result = await runE2eLoad(session, ctx.opts.rate, ctx.opts.durationS * 1000, 'e2e', { measureNonces: true });
    return { ...result, idleCpu };
  } finally {
    await ctx.cleanup.unwindTo(mark, ctx.log);
  }
}
