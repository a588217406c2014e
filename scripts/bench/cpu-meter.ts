/**
 * Measures CPU over a window: the generator (process.cpuUsage), each service process and helper (from /proc), and
 * the whole machine. Start it right before the load and stop it right after, so setup work is not counted.
 */
import { coreCount, machineCpu, processCpuMs, processTreeCpuMs } from './process-cpu.js';
import type { CpuFigures, ProcessCpu } from './result-types.js';

export interface CpuTarget {
  name: string;
  pid: () => number | undefined;
  /** Sum over the process and its direct children (Postgres backends, a clustered gateway's workers). */
  tree?: boolean;
  restarts?: () => number;
}

/** Redis and Postgres (postmaster and its backends), when the bench started them and knows their pids. */
export function infraCpuTargets(infra: { redisPid: number | undefined; postgresPid: number | undefined }): CpuTarget[] {
  const targets: CpuTarget[] = [];
  if (infra.redisPid) targets.push({ name: 'redis-server', pid: () => infra.redisPid });
  if (infra.postgresPid) targets.push({ name: 'postgres (all backends)', pid: () => infra.postgresPid, tree: true });
  return targets;
}

/** Every service of a running platform (its current pid and restarts, read at each use), then Redis and Postgres. */
export function platformCpuTargets(
  services: ReadonlyMap<string, { name: string; pid: number | undefined; restarts: number }>,
  infra: Parameters<typeof infraCpuTargets>[0],
): CpuTarget[] {
  return [
    ...[...services.keys()].map((name) => ({
      name,
      pid: () => services.get(name)?.pid,
      tree: true,
      restarts: () => services.get(name)?.restarts ?? 0,
    })),
    ...infraCpuTargets(infra),
  ];
}

export interface CpuMeter {
  stop(): CpuFigures;
}

export function startCpuMeter(targets: CpuTarget[]): CpuMeter {
  const startedAt = performance.now();
  const generatorStart = process.cpuUsage();
  const machineStart = machineCpu();
  const read = (t: CpuTarget, pid: number | undefined) => (pid === undefined ? null : t.tree ? processTreeCpuMs(pid) : processCpuMs(pid));
  const starts = targets.map((t) => {
    const pid = t.pid();
    return { pid, cpuMs: read(t, pid), restarts: t.restarts?.() ?? 0 };
  });
  return {
    stop() {
      const wallMs = performance.now() - startedAt;
      const pct = (cpuMs: number) => (wallMs > 0 ? (cpuMs / wallMs) * 100 : 0);
      const g = process.cpuUsage(generatorStart);
      const generatorMs = (g.user + g.system) / 1000;
      const services: Record<string, ProcessCpu> = {};
      targets.forEach((t, i) => {
        const start = starts[i]!;
        const pid = t.pid();
        const end = read(t, pid);
        // A process spawned during the window counts from zero; a restarted one would be meaningless (see `restarts`).
        const cpuMs = end === null ? 0 : start.pid === undefined ? end : start.cpuMs !== null && pid === start.pid ? end - start.cpuMs : 0;
        services[t.name] = { pid: pid ?? null, cpuMs, percentOfCore: pct(cpuMs), restarts: (t.restarts?.() ?? 0) - start.restarts };
      });
      const machineEnd = machineCpu();
      const machineBusyPercent =
        machineStart && machineEnd && machineEnd.total > machineStart.total
          ? ((machineEnd.busy - machineStart.busy) / (machineEnd.total - machineStart.total)) * 100
          : null;
      return {
        generator: { pid: process.pid, cpuMs: generatorMs, percentOfCore: pct(generatorMs) },
        services,
        machineBusyPercent,
        cores: coreCount(),
      };
    },
  };
}
