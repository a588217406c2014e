/**
 * Hot spots of a V8 `.cpuprofile` (from `--cpu-prof`): self time per function (name, file:line), summed over
 * every node of the call tree, as a share of the sampled time. Usable alone:
 *   node --import tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  fn: string;
  location: string;
  selfMs: number;
  percent: number;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function shortLocation(url: string, line: number): string {
  if (!url) return '(native)';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
  // node_modules/.pnpm/<pkg>@<v>/node_modules/<pkg>/… → <pkg>/…
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/(.*)$/.exec(rel);
  return `${pnpm ? pnpm[1] : rel}:${line + 1}`;
}

/** Self time per function, from sample time deltas (exact) or hit counts (evenly spread) when deltas are absent. */
export function topSelfTime(profile: CpuProfile, top = 15): { totalMs: number; spots: HotSpot[] } {
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    // timeDeltas[i] is the time before sample i: attribute it to the sample that ends it (V8's own convention).
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas![i + 1] ?? 0)));
  } else {
    const hits = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
    const per = (profile.endTime - profile.startTime) / hits;
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  const byFn = new Map<string, HotSpot>();
  let totalUs = 0;
  for (const n of profile.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    totalUs += us;
    const fn = n.callFrame.functionName || '(anonymous)';
    const location = shortLocation(n.callFrame.url, n.callFrame.lineNumber);
    const key = `${fn}\u0000${location}`;
    const spot = byFn.get(key) ?? { fn, location, selfMs: 0, percent: 0 };
    spot.selfMs += us / 1000;
    byFn.set(key, spot);
  }
  const totalMs = totalUs / 1000;
  const spots = [...byFn.values()]
    .map((s) => ({ ...s, percent: totalMs > 0 ? (s.selfMs / totalMs) * 100 : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
  return { totalMs, spots };
}

/**
 * Which package a location belongs to: `ioredis/…` → ioredis, `@opentelemetry/sdk-trace/…` → @opentelemetry/sdk-trace,
 * `node:…` → node (internals), `services/gateway/…` → services/gateway, `(native)` → native (syscalls, GC).
 */
export function packageOf(location: string, fn: string): string {
  if (location === '(native)') return fn === '(garbage collector)' ? 'GC' : fn === '(idle)' ? 'idle' : 'native';
  if (location.startsWith('node:')) return 'node internals';
  const parts = location.split('/');
  if (parts[0] === 'services' || parts[0] === 'packages' || parts[0] === 'scripts') return parts.slice(0, 2).join('/');
  return parts[0]!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!.replace(/:\d+$/, '');
}

/** Self time summed per package, busiest first. */
export function selfTimeByPackage(profile: CpuProfile, top = 12): { pkg: string; selfMs: number; percent: number }[] {
  const { totalMs, spots } = topSelfTime(profile, Number.MAX_SAFE_INTEGER);
  const byPkg = new Map<string, number>();
  for (const s of spots) byPkg.set(packageOf(s.location, s.fn), (byPkg.get(packageOf(s.location, s.fn)) ?? 0) + s.selfMs);
  return [...byPkg.entries()]
    .map(([pkg, selfMs]) => ({ pkg, selfMs, percent: totalMs > 0 ? (selfMs / totalMs) * 100 : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
}

/** Time the process was not running JavaScript or native work: left out of the "% of busy" column. */
const IDLE = new Set(['(idle)']);

export function formatHotSpots(title: string, summary: { totalMs: number; spots: HotSpot[] }): string {
  const idleMs = summary.spots.filter((s) => IDLE.has(s.fn)).reduce((a, s) => a + s.selfMs, 0);
  const busyMs = summary.totalMs - idleMs;
  const lines = summary.spots.map((s) => {
    const ofBusy = IDLE.has(s.fn) || busyMs <= 0 ? '      ' : `${((s.selfMs / busyMs) * 100).toFixed(1).padStart(5)}%`;
    return `  ${s.percent.toFixed(1).padStart(5)} %  ${ofBusy}  ${s.selfMs.toFixed(0).padStart(7)} ms  ${s.fn}  ${s.location}`;
  });
  return [
    `${title} — ${(summary.totalMs / 1000).toFixed(1)} s sampled (${(busyMs / 1000).toFixed(1)} s busy); self time by function: % of all, % of busy`,
    ...lines,
    '',
  ].join('\n');
}

export function summarizeProfileFile(file: string, top = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const packages = selfTimeByPackage(profile)
    .map((p) => `${p.pkg} ${p.percent.toFixed(1)} %`)
    .join(' · ');
  return `${formatHotSpots(path.basename(file), topSelfTime(profile, top))}  by package: ${packages}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(summarizeProfileFile(file, top ? Number(top) : 15));
}
