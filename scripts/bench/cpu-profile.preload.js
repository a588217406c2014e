/**
 * `--profile`: Node 20 refuses `--cpu-prof` in NODE_OPTIONS, and the orchestrator's command line is not ours to
 * change, so services get `NODE_OPTIONS=--import=<this file>` instead. It starts the V8 sampling profiler through
 * the inspector (1 ms interval, as --cpu-prof) and writes a .cpuprofile into BENCH_CPU_PROF_DIR when the process
 * exits (a same-thread inspector session answers synchronously, so this works inside the 'exit' handler).
 * Plain JavaScript: it loads before tsx.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  let written = false;
  process.on('exit', () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, result) => {
      if (err || !result) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
