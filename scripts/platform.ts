/**
 * Runs the platform's services as child processes, like a small orchestrator: prefixes their output, restarts one
 * that dies (with backoff), waits for `/readyz`, and stops them all cleanly. Used by `pnpm start` (scripts/start.ts)
 * and by black-box tests, which bring their own Postgres and Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_GATEWAY_PORT, OPS_PORTS, SERVICE_NAMES, type ServiceName } from '@wagerflow/config';
import { freePort, settlesWithin, waitUntil } from '@wagerflow/local-servers';

/** `runMain` (packages/runtime) exits 2 on a bad configuration: restarting cannot help. */
const CONFIG_ERROR_EXIT_CODE = 2;
/** A process that ran this long before dying resets the backoff. */
const STABLE_AFTER_MS = 10_000;
const MAX_RESTART_DELAY_MS = 10_000;

type Env = Record<string, string | undefined>;

export interface PlatformOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Default: a random token. */
  adminToken?: string;
  /** 64 hex chars. Default: a random key. */
  secretEncryptionKey?: string;
  /** Default: all of SERVICE_NAMES. */
  services?: readonly ServiceName[];
  /** Environment of every service, over this process's (`undefined` removes a variable). */
  env?: Env;
  /** Per-service environment, applied last. Set ports with `gatewayPort` / `opsPorts`, not here. */
  serviceEnv?: Partial<Record<ServiceName, Env>>;
  /** Default: GATEWAY_PORT from `env` / process env, else 8080 (a free port with `randomPorts`). */
  gatewayPort?: number;
  /** Default: *_OPS_PORT from `env` / process env, else 9101…9105 (free ports with `randomPorts`). */
  opsPorts?: Partial<Record<ServiceName, number>>;
  /** Pick free ports for every port not given explicitly (tests). */
  randomPorts?: boolean;
  /** Restart a service that exits when not asked to. Default true. */
  restart?: boolean;
  /** First restart delay; doubles while a service keeps crashing quickly (max 10 s). Default 500 ms. */
  restartDelayMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
  /** Where output goes. Default: this process's stdout, each line prefixed with the service name. */
  output?: (source: ServiceName | 'launcher', line: string) => void;
  /** Repository root. Default: the parent of scripts/. */
  rootDir?: string;
}

export interface ServiceHandle {
  readonly name: ServiceName;
  /** Current process id (changes on restart); undefined while down. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** How many times it was restarted. */
  readonly restarts: number;
  readonly opsPort: number;
  /** `http://127.0.0.1:<ops port>` (`/healthz`, `/readyz`, `/metrics`). */
  readonly opsUrl: string;
  /** Signal the current process. Unless `stop()` is running, its exit takes the normal restart path. */
  kill(signal?: NodeJS.Signals): boolean;
  /** Resolves when `/readyz` answers 200 (default deadline 60 s). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Its last output lines (for failure messages). */
  recentOutput(): string[];
}

export interface Platform {
  /** `http://127.0.0.1:<gateway port>` */
  gatewayUrl: string;
  gatewayPort: number;
  adminToken: string;
  secretEncryptionKey: string;
  services: Map<ServiceName, ServiceHandle>;
  /** Resolves when every service's `/readyz` answers 200 (default deadline 60 s); rejects early on a crash loop. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM every service, SIGKILL after `stopTimeoutMs`; no restarts from then on. Idempotent. */
  stop(): Promise<void>;
}

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RECENT_LINES = 100;

function portFrom(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${variable}: not a port: ${raw}`);
  return port;
}

/** True when nothing listens on `port` (services listen on 0.0.0.0). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** Writes `name | line` to stdout (coloured names on a terminal): the launcher's and the services' output format. */
export function prefixedOutput(): (source: string, line: string) => void {
  const width = Math.max('launcher'.length, ...SERVICE_NAMES.map((n) => n.length));
  const colors = [36, 33, 35, 32, 34, 31];
  const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
  const colorOf = new Map<string, number>();
  return (source, line) => {
    let prefix = `${source.padEnd(width)} | `;
    if (useColor) {
      if (!colorOf.has(source)) colorOf.set(source, colors[colorOf.size % colors.length] ?? 0);
      prefix = `\x1b[${colorOf.get(source)}m${prefix}\x1b[0m`;
    }
    process.stdout.write(prefix + line + '\n');
  };
}

class Service implements ServiceHandle {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private startedAt = 0;
  private quickCrashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly recent: string[] = [];
  restarts = 0;
  /** Exits not asked for (crash-loop detection in waitReady). */
  crashes = 0;
  /** Will not be restarted (bad configuration, or restarts disabled). */
  givenUp: string | undefined;
  stopping = false;

  constructor(
    readonly name: ServiceName,
    readonly opsPort: number,
    private readonly env: Env,
    private readonly opts: Required<Pick<PlatformOptions, 'restart' | 'restartDelayMs' | 'rootDir'>> & {
      output: (source: ServiceName | 'launcher', line: string) => void;
    },
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== undefined;
  }
  get opsUrl(): string {
    return `http://127.0.0.1:${this.opsPort}`;
  }

  private say(line: string): void {
    this.opts.output('launcher', line);
  }

  private record(line: string): void {
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
    this.opts.output(this.name, line);
  }

  recentOutput(): string[] {
    return [...this.recent];
  }

  spawn(): void {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('services', this.name, 'src', 'main.ts')], {
      cwd: this.opts.rootDir,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal Ctrl-C reaches only the launcher, which stops services in order.
      detached: true,
    });
    this.child = child;
    this.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.record(line));
    }
    this.exited = new Promise((resolve) => {
      let done = false;
      const onExit = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (done) return;
        done = true;
        if (this.child === child) this.child = undefined;
        this.onExit(code, signal, error);
        resolve();
      };
      child.once('exit', (code, signal) => onExit(code, signal));
      child.once('error', (err) => onExit(null, null, err));
    });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    if (this.stopping) return;
    this.crashes += 1;
    const uptimeMs = Date.now() - this.startedAt;
    const how = error ? `failed to start (${error.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (code === CONFIG_ERROR_EXIT_CODE) {
      this.givenUp = 'bad configuration (exit code 2)';
      this.say(`${this.name} ${how}: bad configuration, not restarting`);
      return;
    }
    if (!this.opts.restart) {
      this.givenUp = `${how} (restarts disabled)`;
      this.say(`${this.name} ${how}; not restarting (restarts disabled)`);
      return;
    }
    this.quickCrashes = uptimeMs >= STABLE_AFTER_MS ? 0 : this.quickCrashes + 1;
    const delay = Math.min(this.opts.restartDelayMs * 2 ** Math.max(0, this.quickCrashes - 1), MAX_RESTART_DELAY_MS);
    this.say(`${this.name} ${how} after ${(uptimeMs / 1000).toFixed(1)} s; restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarts += 1;
      this.spawn();
      this.say(`${this.name} restarted (pid ${this.pid}, restart #${this.restarts})`);
    }, delay);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    return this.child?.kill(signal) ?? false;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const abort = new AbortController();
    const crashesAtStart = this.crashes;
    await waitUntil(
      async () => {
        // Hopeless cases end the wait at once (waitUntil rejects with the abort reason).
        if (this.givenUp) abort.abort(this.failure(`${this.name} is down: ${this.givenUp}`));
        else if (this.stopping) abort.abort(new Error(`${this.name} is stopping`));
        else if (this.crashes - crashesAtStart >= 3) abort.abort(this.failure(`${this.name} keeps crashing`));
        if (abort.signal.aborted || !this.running) return false;
        const res = await fetch(`${this.opsUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        return res.status === 200;
      },
      { timeoutMs, intervalMs: 100, description: `${this.name} ${this.opsUrl}/readyz`, signal: abort.signal },
    ).catch((err: unknown) => {
      if (abort.signal.aborted) throw err;
      throw this.failure(err instanceof Error ? err.message : String(err));
    });
  }

  private failure(message: string): Error {
    const tail = this.recent
      .slice(-20)
      .map((l) => `    ${l}`)
      .join('\n');
    return new Error(`${message}\n  last output of ${this.name}:\n${tail || '    (none)'}`);
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    if (!(await settlesWithin(this.exited, timeoutMs))) {
      this.say(`${this.name} did not stop within ${timeoutMs} ms; sending SIGKILL`);
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Last resort when this process exits without `stop()`: services run in their own process groups. */
  signalOnExit(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
  }
}

/** Start the services (not Postgres, Redis or migrations: the caller provides migrated URLs). */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const names = opts.services ?? SERVICE_NAMES;
  for (const name of names) {
    if (!SERVICE_NAMES.includes(name)) throw new Error(`unknown service "${name}" (known: ${SERVICE_NAMES.join(', ')})`);
  }
  const baseEnv: Env = { ...process.env, ...opts.env };
  const pickPort = async (explicit: number | undefined, variable: string, fallback: number) =>
    explicit ?? (opts.randomPorts ? await freePort() : portFrom(baseEnv, variable, fallback));

  const gatewayPort = await pickPort(opts.gatewayPort, 'GATEWAY_PORT', DEFAULT_GATEWAY_PORT);
  const opsPorts = {} as Record<ServiceName, number>;
  for (const name of SERVICE_NAMES) {
    opsPorts[name] = await pickPort(opts.opsPorts?.[name], OPS_PORTS[name].variable, OPS_PORTS[name].default);
  }
  // Otherwise readiness would be checked against whatever already listens there (another platform, say).
  const wanted: [string, number][] = [
    ...(names.includes('gateway') ? [['GATEWAY_PORT', gatewayPort] as [string, number]] : []),
    ...names.map((n): [string, number] => [OPS_PORTS[n].variable, opsPorts[n]]),
  ];
  const taken = [];
  for (const [variable, port] of wanted) if (!(await portIsFree(port))) taken.push(`${variable}=${port}`);
  if (taken.length) {
    throw new Error(`ports already in use: ${taken.join(', ')} (another WagerFlow running?); choose others with these variables`);
  }

  const adminToken = opts.adminToken ?? randomBytes(24).toString('base64url');
  const secretEncryptionKey = opts.secretEncryptionKey ?? randomBytes(32).toString('hex');

  const sharedEnv: Env = {
    ...baseEnv,
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    ADMIN_TOKEN: adminToken,
    SECRET_ENCRYPTION_KEY: secretEncryptionKey,
    GATEWAY_PORT: String(gatewayPort),
    ...Object.fromEntries(SERVICE_NAMES.map((n) => [OPS_PORTS[n].variable, String(opsPorts[n])])),
  };
  const serviceOpts = {
    restart: opts.restart ?? true,
    restartDelayMs: opts.restartDelayMs ?? 500,
    rootDir: opts.rootDir ?? ROOT_DIR,
    output: opts.output ?? prefixedOutput(),
  };

  const services = new Map<ServiceName, Service>();
  for (const name of names) {
    const env = Object.fromEntries(Object.entries({ ...sharedEnv, ...opts.serviceEnv?.[name] }).filter(([, v]) => v !== undefined));
    services.set(name, new Service(name, opsPorts[name], env, serviceOpts));
  }

  const onProcessExit = () => services.forEach((s) => s.signalOnExit());
  process.on('exit', onProcessExit);
  for (const service of services.values()) service.spawn();

  let stopping: Promise<void> | undefined;
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    gatewayPort,
    adminToken,
    secretEncryptionKey,
    services,
    waitReady: async (timeoutMs) => {
      await Promise.all([...services.values()].map((s) => s.waitReady(timeoutMs)));
    },
    stop: () =>
      (stopping ??= (async () => {
        const timeoutMs = opts.stopTimeoutMs ?? 15_000;
        await Promise.all([...services.values()].map((s) => s.stop(timeoutMs)));
        process.removeListener('exit', onProcessExit);
      })()),
  };
}
