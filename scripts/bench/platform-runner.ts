/**
 * Starts the services for a bench run through the launcher's orchestrator (scripts/platform.ts): random ports,
 * a unique Redis prefix, quiet logs (warn) kept in memory for error messages (printed live with --verbose), the
 * telemetry settings of the run, and optional CPU profiles of chosen services (written when they exit).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, type ServiceName } from '@wagerflow/config';
import { startPlatform, type Platform, type PlatformOptions, type ServiceHandle } from '../platform.js';
import type { CleanupStack } from './cleanup-stack.js';

const PROFILE_PRELOAD = fileURLToPath(new URL('./cpu-profile.preload.js', import.meta.url));

export interface BenchPlatformOptions {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  services?: readonly ServiceName[];
  /** OTLP endpoint: tracing on at 1 % (parent-based), as production runs it. Undefined: the services' defaults. */
  otlpEndpoint?: string;
  /** Services to run under `--cpu-prof`, and where the profiles go (one folder per service). */
  profile?: { services: readonly string[]; dir: string };
  env?: Record<string, string>;
  verbose: boolean;
  /**
   * More bet-ledger processes on the one place-bets queue, each started as a replica on another machine would be: its
   * own process and ops port, the same database, Redis and secrets (a second `startPlatform` of bet-ledger alone).
   */
  ledgerReplicas?: number;
  /** Called once the services are spawned, before they are ready (to watch a service from its first moment). */
  onSpawned?: (platform: Platform) => void;
}

export interface BenchPlatform {
  platform: Platform;
  /** Every service process to meter: the platform's, then each bet-ledger replica as `bet-ledger #2`, `#3`, … */
  processes: ReadonlyMap<string, ServiceHandle>;
  /** The ops URL of every bet-ledger process (its batch metrics are summed over them). */
  ledgerOpsUrls: string[];
  /** Last lines of the services' output. */
  tail(): string[];
  stop(): Promise<void>;
}

export function telemetryEnv(otlpEndpoint: string | undefined): Record<string, string> {
  if (!otlpEndpoint) return {};
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.01',
  };
}

export async function startBenchPlatform(opts: BenchPlatformOptions, cleanup: CleanupStack): Promise<BenchPlatform> {
  const lines: string[] = [];
  const serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {};
  // `postgres` in --profile is the database's statement report (pg-statements.ts), not a Node service.
  for (const name of (opts.profile?.services ?? []).filter((n) => (SERVICE_NAMES as readonly string[]).includes(n))) {
    const dir = path.join(opts.profile!.dir, name);
    mkdirSync(dir, { recursive: true });
    const inherited = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : '';
    // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preload starts the same profiler (see cpu-profile.preload.js).
    serviceEnv[name as ServiceName] = { NODE_OPTIONS: `${inherited}--import=${PROFILE_PRELOAD}`, BENCH_CPU_PROF_DIR: dir };
  }
  const platformOptions: PlatformOptions = {
    databaseUrl: opts.databaseUrl,
    redisUrl: opts.redisUrl,
    services: opts.services,
    randomPorts: true,
    stopTimeoutMs: 20_000,
    env: { REDIS_PREFIX: opts.redisPrefix, LOG_LEVEL: 'warn', ...telemetryEnv(opts.otlpEndpoint), ...opts.env },
    serviceEnv,
    output: (source, line) => {
      lines.push(`${source} | ${line}`);
      if (lines.length > 400) lines.splice(0, 200);
      if (opts.verbose) process.stderr.write(`${source} | ${line}\n`);
    },
  };
  const platform = await startPlatform(platformOptions);
  const replicas: Platform[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= Promise.all(replicas.map((r) => r.stop())).then(() => platform.stop()));
  cleanup.add('services', stop);
  opts.onSpawned?.(platform);
  try {
    await platform.waitReady(120_000);
    for (let i = 0; i < (opts.ledgerReplicas ?? 0); i++) {
      const replica = await startPlatform({
        ...platformOptions,
        services: ['bet-ledger'],
        adminToken: platform.adminToken,
        secretEncryptionKey: platform.secretEncryptionKey,
      });
      replicas.push(replica);
      await replica.waitReady(120_000);
    }
  } catch (err) {
    await stop();
    throw new Error(`the platform did not start: ${(err as Error).message}\n${lines.slice(-30).join('\n')}`);
  }
  const replicaLedgers = replicas.map((r) => r.services.get('bet-ledger')!);
  const processes = new Map<string, ServiceHandle>(platform.services);
  replicaLedgers.forEach((s, i) => processes.set(`bet-ledger #${i + 2}`, s));
  const mainLedger = platform.services.get('bet-ledger');
  const ledgerOpsUrls = [...(mainLedger ? [mainLedger] : []), ...replicaLedgers].map((s) => s.opsUrl);
  return { platform, processes, ledgerOpsUrls, tail: () => lines.slice(-30), stop };
}
