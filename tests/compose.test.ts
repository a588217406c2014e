// Static checks of the container setup (docker-compose.yml, Dockerfile, infra/) that run without Docker:
// the compose file against the Compose specification schema and against the repository (services, ports,
// documented environment), and the Prometheus config and alert rules. The real rule check is
// `promtool test rules infra/prometheus/alerts.test.yml`; it runs here too when promtool is on PATH.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildOutputs } from '../scripts/build/targets.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
// `merge` resolves the `<<: *anchor` keys the compose file uses, as Compose itself does.
const loadYaml = (path: string): unknown => parse(read(path), { merge: true });

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const dict = (v: unknown, what: string): Dict => {
  if (!isDict(v)) throw new Error(`${what} is not a mapping`);
  return v;
};

// ---------------------------------------------------------------------------------------------------------
// docs/env.md: variable -> default, read from its markdown table.

/** Every documented variable with its default (undefined when required, unset or not a plain value). */
function documentedEnv(): Map<string, string | undefined> {
  const vars = new Map<string, string | undefined>();
  for (const line of read('docs/env.md').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | variable | services | default | meaning |  ->  ['', variable, services, default, meaning, '']
    if (cells.length < 6 || !/^[A-Z][A-Z0-9_]*(, [A-Z][A-Z0-9_]*)*$/.test(cells[1] ?? '')) continue;
    const names = (cells[1] ?? '').split(', ');
    const raw = (cells[3] ?? '').replaceAll('`', '');
    let defaults = raw.split(',').map((d) => d.trim());
    // "9101 … 9105": one consecutive number per name.
    const range = /^(\d+) … (\d+)$/.exec(raw);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to - from + 1 === names.length) defaults = names.map((_, i) => String(from + i));
    }
    names.forEach((name, i) => vars.set(name, names.length === defaults.length ? defaults[i] : defaults[0]));
  }
  return vars;
}

// ---------------------------------------------------------------------------------------------------------
// docker-compose.yml helpers.

const compose = dict(loadYaml('docker-compose.yml'), 'docker-compose.yml');
const services = dict(compose.services, 'services');
const serviceNames = Object.keys(services);
const service = (name: string) => dict(services[name], `service ${name}`);

/** Compose services built from this repository with `args.SERVICE`: the Wagerflow processes. */
const appServices = serviceNames.filter((name) => {
  const build = service(name).build;
  return isDict(build) && isDict(build.args) && typeof build.args.SERVICE === 'string';
});
/** Every compose service built from this repository (the app services plus the migrate one-shot). */
const builtServices = serviceNames.filter((name) => service(name).build !== undefined);
const infraServices = serviceNames.filter((name) => !builtServices.includes(name));

function environmentOf(name: string): Map<string, string | undefined> {
  const env = service(name).environment;
  if (env === undefined) return new Map();
  if (Array.isArray(env)) {
    return new Map(
      env.map((entry) => {
        const [key = '', ...rest] = String(entry).split('=');
        return [key, rest.length ? rest.join('=') : undefined] as const;
      }),
    );
  }
  return new Map(
    Object.entries(dict(env, `${name}.environment`)).map(([k, v]) => [k, v == null ? undefined : String(v as string | number | boolean)]),
  );
}

interface Published {
  hostIp: string | undefined;
  host: number | undefined;
  container: number;
}

/** Published ports in either Compose syntax: "[ip:][host:]container[/proto]" or the long form. */
function publishedPorts(name: string): Published[] {
  const ports = service(name).ports;
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) throw new Error(`${name}.ports is not a list`);
  return ports.map((p): Published => {
    if (isDict(p)) {
      return {
        hostIp: typeof p.host_ip === 'string' ? p.host_ip : undefined,
        host: p.published === undefined ? undefined : Number(p.published),
        container: Number(p.target),
      };
    }
    const parts = String(p)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const container = Number(parts.at(-1));
    const host = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    const hostIp = parts.length === 3 ? parts[0] : undefined;
    return { hostIp, host, container };
  });
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Volumes in either Compose syntax: "source:target[:mode]" or the long form. */
function mountsOf(name: string): Mount[] {
  const volumes = service(name).volumes;
  if (volumes === undefined) return [];
  if (!Array.isArray(volumes)) throw new Error(`${name}.volumes is not a list`);
  return volumes.map((v): Mount => {
    if (isDict(v)) return { source: String(v.source), target: String(v.target), readOnly: v.read_only === true };
    const [source = '', target = '', mode = ''] = String(v).split(':');
    return { source, target, readOnly: mode.split(',').includes('ro') };
  });
}

/** `gateway` -> GATEWAY_PORT, GATEWAY_OPS_PORT (those of them docs/env.md defines). */
const envPrefix = (name: string) => name.toUpperCase().replaceAll('-', '_');

/** The built JavaScript file a `node … <file>.js` command (or, without a command, the image's CMD) runs. */
function entrypointOf(name: string): string {
  const { command, build } = service(name);
  if (Array.isArray(command)) {
    const file = command.find((arg) => typeof arg === 'string' && /\.[cm]?[jt]s$/.test(arg));
    if (typeof file === 'string') return file;
  }
  const args = isDict(build) && isDict(build.args) ? build.args : {};
  // Mirrors the Dockerfile's CMD.
  return `services/${String(args.SERVICE)}/dist/main.js`;
}

// ---------------------------------------------------------------------------------------------------------
// Dockerfile: its stages, each with its instructions (continuation lines joined, comments dropped).

interface Stage {
  name: string | undefined;
  from: string;
  instructions: { op: string; args: string }[];
}

function dockerStages(): Stage[] {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`Dockerfile: cannot read ${line}`);
      stages.push({ from: m[1] ?? '', name: m[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** The stage a compose service builds: its `build.target`, or the Dockerfile's last stage. */
function stageOf(name: string, stages: Stage[]): Stage {
  const build = service(name).build;
  const target = isDict(build) && typeof build.target === 'string' ? build.target : undefined;
  const stage = target === undefined ? stages.at(-1) : stages.find((s) => s.name === target);
  if (!stage) throw new Error(`${name}: no Dockerfile stage ${target ?? '(last)'}`);
  return stage;
}

/** `promtool` on PATH (Debian: `apt-get install prometheus`): the real PromQL checks run only then. */
const promtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Runs promtool in `cwd`; a failure throws with promtool's stdout (where it reports), which the error omits. */
function runPromtool(cwd: string, ...args: string[]): void {
  try {
    execFileSync('promtool', args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout}${stderr}`);
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    // The schema ships in the `dclint` package (schemas/compose.schema.json), which is not an export, so it
    // is located through the package's own package.json.
    const require = createRequire(import.meta.url);
    let schemaPath: string;
    try {
      schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
    } catch {
      throw new Error('the Compose schema comes from the dclint package: `pnpm add -Dw dclint@3.1.0`');
    }
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Dict;
    // The schema is draft-07 (Ajv's default) but names its meta-schema by an https URL Ajv does not know.
    delete schema.$schema;
    // strict: false because the schema uses annotation keywords (e.g. `deprecated`) Ajv's strict mode rejects.
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('has one compose service per services/<name> directory and no other app service', () => {
    const dirs = readdirSync(join(root, 'services')).filter((d) => statSync(join(root, 'services', d)).isDirectory());
    expect(appServices.sort()).toEqual(dirs.sort());
    // The compose service name is the directory name: Prometheus and the OTLP service name rely on it.
    for (const name of appServices) {
      const build = dict(service(name).build, `${name}.build`);
      expect(dict(build.args, `${name}.build.args`).SERVICE).toBe(name);
    }
  });

  it('builds from an existing context and Dockerfile, running a file that `pnpm build` produces', () => {
    expect(builtServices).toContain('migrate');
    // dist/ is not in the repository: the entry point must be an output of the build (scripts/build/targets.ts)
    // whose source exists.
    const outputs = buildOutputs(root);
    for (const name of builtServices) {
      const build = service(name).build;
      const context = typeof build === 'string' ? build : String(dict(build, `${name}.build`).context);
      const dockerfile = isDict(build) && typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile';
      expect(existsSync(resolve(root, context)), `${name}: context ${context}`).toBe(true);
      expect(existsSync(resolve(root, context, dockerfile)), `${name}: ${dockerfile}`).toBe(true);
      const entry = entrypointOf(name);
      const source = outputs.get(entry);
      expect(source, `${name} runs ${entry}, which pnpm build does not produce`).toBeDefined();
      expect(existsSync(join(root, String(source))), `${name}: source of ${entry}`).toBe(true);
    }
    // The Dockerfile's CMD is what entrypointOf() mirrors for the app services.
    expect(read('Dockerfile')).toMatch(/CMD exec node --enable-source-maps "services\/\$\{SERVICE[^}]*\}\/dist\/main\.js"\n/);
    expect(entrypointOf('migrate')).toBe('packages/db/dist/src/migrate.cli.js');
    expect(outputs.get('packages/db/dist/src/migrate.cli.js')).toBe('packages/db/src/migrate.cli.ts');
    // Every migration is compiled, under its own base name.
    for (const file of readdirSync(join(root, 'packages/db/migrations')).filter((f) => f.endsWith('.ts'))) {
      expect(outputs.get(`packages/db/dist/migrations/${file.replace(/\.ts$/, '.js')}`), file).toBe(`packages/db/migrations/${file}`);
    }
  });

  it('ships built JavaScript with production dependencies only, run by the node user', () => {
    const stages = dockerStages();
    const all = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);
    const named = (name: string) => stages.find((s) => s.name === name);
    // One stage installs everything and builds; it is never shipped.
    const builders = stages.filter((s) =>
      all(s, 'RUN').some((r) => /pnpm install --frozen-lockfile\b/.test(r) && /&& pnpm build$/.test(r)),
    );
    expect(builders.map((s) => s.name)).toEqual(['build']);
    for (const name of builtServices) {
      const stage = stageOf(name, stages);
      expect(stage.from, `${name}: the shipped stage starts from the bare Node image`).toBe('${NODE_IMAGE}');
      expect(all(stage, 'USER'), name).toEqual(['node']);
      expect(all(stage, 'RUN'), `${name}: the shipped stage installs nothing`).toEqual([]);
      expect(all(stage, 'ENV'), name).toContain('NODE_ENV=production');
      // What it holds comes from a stage that ran the production deploy (scripts/build/deploy.sh) of the
      // package that owns the entry point.
      const copies = all(stage, 'COPY');
      expect(copies.length, name).toBeGreaterThan(0);
      const entry = entrypointOf(name);
      const owner = /^(services\/[^/]+|packages\/[^/]+)\//.exec(entry)?.[1] ?? '';
      for (const copy of copies) {
        const from = /^--from=(\S+) \/out \/app$/.exec(copy)?.[1];
        expect(from, `${name}: COPY ${copy}`).toBeDefined();
        const source = named(String(from));
        expect(source?.from, `${name}: ${String(from)} builds on the build stage`).toBe('build');
        const deploys = all(source as Stage, 'RUN').join('\n');
        const pkg = owner.startsWith('services/') ? '"services/${SERVICE}" "/out/services/${SERVICE}"' : `${owner} /out/${owner}`;
        expect(deploys, `${name}: ${String(from)} deploys ${owner}`).toContain(`scripts/build/deploy.sh ${pkg}`);
      }
      const cmd = all(stage, 'CMD').at(-1) ?? '';
      expect(cmd, name).not.toMatch(/tsx|\.ts\b/);
      expect(cmd, name).toContain('--enable-source-maps');
      if (service(name).command !== undefined) expect(JSON.parse(cmd), `${name}: command = the image's CMD`).toEqual(service(name).command);
    }
    // deploy.sh keeps devDependencies out.
    expect(read('scripts/build/deploy.sh')).toMatch(/deploy --prod --no-optional/);
  });

  it('runs migrate once, before every app service', () => {
    expect(service('migrate').restart).toBe('no');
    for (const name of appServices) {
      const s = service(name);
      expect(s.restart, name).toBe('unless-stopped');
      const deps = dict(s.depends_on, `${name}.depends_on`);
      expect(deps.migrate, name).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  it('publishes exactly the docs/env.md default ports of each app service, and health-checks the ops port', () => {
    const documented = documentedEnv();
    for (const name of appServices) {
      const portVars = [`${envPrefix(name)}_PORT`, `${envPrefix(name)}_OPS_PORT`].filter((v) => documented.has(v));
      expect(portVars, `${name}: docs/env.md documents its ops port`).toContain(`${envPrefix(name)}_OPS_PORT`);
      const expected = portVars.map((v) => Number(documented.get(v))).sort();
      const published = publishedPorts(name);
      expect(published.map((p) => p.container).sort(), `${name} container ports`).toEqual(expected);
      for (const p of published) expect(p.host, `${name}: host port = container port`).toBe(p.container);
      // Where compose sets the port variable, it must agree with what it publishes.
      const env = environmentOf(name);
      for (const v of portVars) if (env.has(v)) expect(env.get(v), `${name} ${v}`).toBe(documented.get(v));

      const opsPort = documented.get(`${envPrefix(name)}_OPS_PORT`);
      const health = dict(service(name).healthcheck, `${name}.healthcheck`);
      expect(JSON.stringify(health.test), `${name} healthcheck`).toContain(`:${opsPort}/healthz`);
    }
  });

  it('publishes infrastructure ports only where expected, on loopback', () => {
    // Postgres and Redis stay inside the compose network.
    const allowed: Record<string, number[]> = { jaeger: [16686], prometheus: [9090], grafana: [3000] };
    for (const name of infraServices) {
      const published = publishedPorts(name);
      expect(
        published.map((p) => p.container),
        name,
      ).toEqual(allowed[name] ?? []);
      for (const p of published) expect(p.hostIp, `${name} binds loopback`).toBe('127.0.0.1');
    }
  });

  it('gives the services only variables documented in docs/env.md (or standard OTEL_*)', () => {
    const documented = documentedEnv();
    for (const name of builtServices) {
      const undocumented = [...environmentOf(name).keys()].filter((k) => !documented.has(k) && !k.startsWith('OTEL_'));
      expect(undocumented, `${name}: undocumented variables`).toEqual([]);
    }
  });

  it('gives each app service the required settings and a reachable tracing endpoint', () => {
    for (const name of appServices) {
      const env = environmentOf(name);
      for (const key of ['DATABASE_URL', 'REDIS_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT']) expect(env.get(key), `${name} ${key}`).toBeTruthy();
      expect(env.get('OTEL_SERVICE_NAME'), name).toBe(name);
    }
    for (const key of ['ADMIN_TOKEN', 'SECRET_ENCRYPTION_KEY']) expect(environmentOf('gateway').get(key)).toBeTruthy();
  });

  it('points every URL in the environment at a compose service', () => {
    for (const name of builtServices) {
      for (const [key, value] of environmentOf(name)) {
        if (!value || !/^[a-z]+:\/\//.test(value)) continue;
        // file:// URLs (ARCHIVE_URL) name a path in the container: see the archive volume test.
        if (value.startsWith('file:')) continue;
        // Interpolations like ${POSTGRES_PASSWORD:-…} in the userinfo are not valid URL syntax: drop them.
        const host = new URL(value.replace(/\$\{[^}]*\}/g, 'x')).hostname;
        expect(serviceNames, `${name} ${key} -> ${host}`).toContain(host);
      }
    }
  });

  it('mounts files that exist', () => {
    for (const name of serviceNames) {
      const volumes = service(name).volumes;
      if (!Array.isArray(volumes)) continue;
      for (const v of volumes) {
        const source = isDict(v) ? String(v.source) : (String(v).split(':')[0] ?? '');
        if (source.startsWith('.')) expect(existsSync(resolve(root, source)), `${name} mounts ${source}`).toBe(true);
      }
    }
  });

  it('mounts one named archive volume into bet-ledger and the archiver, where a file:// ARCHIVE_URL points', () => {
    const archivers = ['bet-ledger', 'archiver'];
    const namedVolumes = Object.keys(dict(compose.volumes, 'volumes'));
    const archiveMounts = archivers.map((name) => {
      const named = mountsOf(name).filter((m) => namedVolumes.includes(m.source));
      expect(named.length, `${name} mounts a named volume for archives`).toBe(1);
      return named[0] as Mount;
    });
    const [ledger, archiver] = archiveMounts as [Mount, Mount];
    expect(archiver, 'the same volume at the same path in both').toEqual(ledger);
    expect(ledger.readOnly, 'bet-ledger writes the archive files').toBe(false);
    // ARCHIVE_URL is set on both once docs/env.md documents it (the compose env check needs that first), and a
    // file:// one must point into the volume: otherwise archives would go to the container's own disk.
    const documented = documentedEnv().has('ARCHIVE_URL');
    for (const name of archivers) {
      const url = environmentOf(name).get('ARCHIVE_URL');
      if (documented) expect(url, `${name} ARCHIVE_URL`).toBeTruthy();
      if (url === undefined) continue;
      expect(url, `${name} ARCHIVE_URL`).toMatch(/^file:\/\/\//);
      const path = new URL(url).pathname.replace(/\/$/, '');
      expect(path === ledger.target || path.startsWith(`${ledger.target}/`), `${name}: ${url} is in ${ledger.target}`).toBe(true);
    }
    // A new named volume belongs to root, the services run as `node` (uid 1000): the one-shot hands it over first.
    const init = service('archive-volume');
    expect(init.restart).toBe('no');
    expect(mountsOf('archive-volume')).toContainEqual({ ...ledger, readOnly: false });
    expect(JSON.stringify(init.command)).toContain(`chown 1000:1000 ${ledger.target}`);
    for (const name of archivers) {
      expect(dict(service(name).depends_on, `${name}.depends_on`)['archive-volume'], name).toEqual({
        condition: 'service_completed_successfully',
      });
    }
  });

  it('runs Redis with AOF and noeviction', () => {
    const conf = new Map(
      read('infra/redis.conf')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => {
          const [key = '', ...rest] = l.split(/\s+/);
          return [key, rest.join(' ')] as const;
        }),
    );
    expect(conf.get('appendonly')).toBe('yes');
    expect(conf.get('appendfsync')).toBe('everysec');
    expect(conf.get('maxmemory-policy')).toBe('noeviction');
    expect(JSON.stringify(service('redis').command)).toContain('redis.conf');
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('infra/grafana', () => {
  const DATASOURCES = 'infra/grafana/provisioning/datasources/prometheus.yml';
  const PROVIDERS = 'infra/grafana/provisioning/dashboards/wagerflow.yml';
  const DASHBOARD = 'infra/grafana/dashboards/wagerflow.json';

  /** Where the grafana service mounts a repository directory (undefined when it does not). */
  const mountTarget = (dir: string) => mountsOf('grafana').find((m) => resolve(root, m.source) === resolve(root, dir))?.target;

  it('runs Grafana provisioned from infra/grafana, on loopback port 3000', () => {
    expect(publishedPorts('grafana')).toEqual([{ hostIp: '127.0.0.1', host: 3000, container: 3000 }]);
    expect(mountTarget('infra/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    expect(
      mountsOf('grafana').every((m) => m.source.startsWith('.') === m.readOnly),
      'repository files mounted read-only',
    ).toBe(true);
    const home = environmentOf('grafana').get('GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH');
    expect(home).toBe(`${String(mountTarget('infra/grafana/dashboards'))}/wagerflow.json`);
  });

  it('provisions the Prometheus datasource, with a fixed uid, at the compose prometheus service', () => {
    const file = dict(loadYaml(DATASOURCES), DATASOURCES);
    const sources = file.datasources as Dict[];
    expect(sources).toHaveLength(1);
    const [ds] = sources as [Dict];
    expect(ds.type).toBe('prometheus');
    expect(ds.uid).toBe('wagerflow-prometheus');
    const url = new URL(String(ds.url));
    expect(serviceNames).toContain(url.hostname);
    expect(url.hostname).toBe('prometheus');
    expect(publishedPorts('prometheus').map((p) => p.container)).toContain(Number(url.port));
  });

  it('provisions the dashboards directory that compose mounts', () => {
    const file = dict(loadYaml(PROVIDERS), PROVIDERS);
    const providers = file.providers as Dict[];
    expect(providers).toHaveLength(1);
    const [provider] = providers as [Dict];
    expect(provider.type).toBe('file');
    const target = mountTarget('infra/grafana/dashboards');
    expect(target, 'grafana mounts infra/grafana/dashboards').toBeDefined();
    expect(dict(provider.options, 'options').path).toBe(target);
    expect(existsSync(join(root, DASHBOARD))).toBe(true);
  });

  it('has a dashboard that parses, refers only to the provisioned datasource uid, and has unique panel ids', () => {
    const datasource = (dict(loadYaml(DATASOURCES), DATASOURCES).datasources as Dict[])[0] as Dict;
    const dashboard = JSON.parse(read(DASHBOARD)) as Dict;
    expect(dashboard.uid).toBe('wagerflow');
    // Every `datasource` reference anywhere in the JSON (panels, targets, variables).
    const refs: unknown[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (isDict(v)) {
        for (const [k, child] of Object.entries(v)) {
          if (k === 'datasource') refs.push(child);
          else walk(child);
        }
      }
    };
    walk(dashboard);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(ref).toEqual({ type: 'prometheus', uid: datasource.uid });
    expect(JSON.stringify(dashboard), 'no datasource variable or name: the uid only').not.toMatch(/\$\{?(DS_|datasource)/);
    const panels = dashboard.panels as Dict[];
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Every non-row panel queries something.
    for (const p of panels.filter((p) => p.type !== 'row')) {
      const targets = (p.targets ?? []) as Dict[];
      expect(targets.length, String(p.title)).toBeGreaterThan(0);
      for (const t of targets) expect(typeof t.expr === 'string' && t.expr.trim() !== '', String(p.title)).toBe(true);
    }
  });

  it.runIf(promtool)('has panel queries that are valid PromQL (promtool check rules)', () => {
    // Each panel query becomes a recording rule, Grafana's variables replaced by values of their kind.
    const dashboard = JSON.parse(read(DASHBOARD)) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const rules = dashboard.panels.flatMap((p, i) =>
      (p.targets ?? []).map((t, j) => ({
        record: `panel_${i}_${j}`,
        expr: t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$market', '.*'),
      })),
    );
    expect(rules.length).toBeGreaterThan(20);
    for (const r of rules) expect(r.expr, 'every Grafana variable replaced').not.toContain('$');
    const dir = mkdtempSync(join(tmpdir(), 'wf-dashboard-'));
    try {
      writeFileSync(join(dir, 'panels.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
      runPromtool(dir, 'check', 'rules', 'panels.yml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('infra/prometheus', () => {
  it('scrapes every app service on its ops port by compose service name', () => {
    const documented = documentedEnv();
    const config = dict(loadYaml('infra/prometheus/prometheus.yml'), 'prometheus.yml');
    expect(config.rule_files).toContain('alerts.yml');
    const targets = new Set<string>();
    for (const job of config.scrape_configs as Dict[]) {
      for (const sd of (job.dns_sd_configs ?? []) as Dict[]) {
        for (const n of sd.names as string[]) targets.add(`${n}:${String(sd.port)}`);
      }
      for (const sc of (job.static_configs ?? []) as Dict[]) for (const t of sc.targets as string[]) targets.add(t);
    }
    for (const name of appServices) {
      expect([...targets], name).toContain(`${name}:${documented.get(`${envPrefix(name)}_OPS_PORT`)}`);
    }
  });

  it('defines the SPEC 5 alerts with their expressions', () => {
    const file = dict(loadYaml('infra/prometheus/alerts.yml'), 'alerts.yml');
    const rules = new Map<string, Dict>();
    for (const group of file.groups as Dict[]) {
      for (const rule of group.rules as Dict[]) if (typeof rule.alert === 'string') rules.set(rule.alert, rule);
    }
    const norm = (s: unknown) => String(s).replace(/\s+/g, ' ').trim();
    const expected: Record<string, { expr: string; for?: string; severity?: string }> = {
      Watchdog: { expr: 'vector(1)' },
      ArchiverStale: { expr: 'time() - last_successful_archive_timestamp > 8 * 24 * 3600', severity: 'critical' },
      ArchiverMetricAbsent: { expr: 'absent(last_successful_archive_timestamp)' },
      FeedCritical: { expr: 'wagerflow_feed_status{status="CRITICAL"} == 1', for: '30s' },
      QueueBacklog: { expr: 'max by (queue) (wagerflow_queue_jobs{state="waiting"}) > 10000', for: '2m' },
      StalledJobs: { expr: 'increase(wagerflow_queue_stalled_total[5m]) > 0' },
      LedgerDrift: { expr: 'max by (ledger) (wagerflow_reconciliation_drift) > 0', severity: 'critical' },
      LedgerJobsFailed: { expr: 'max by (queue) (wagerflow_queue_jobs{queue="ledger", state="failed"}) > 0', severity: 'critical' },
      // Issue 12: the archiver's failures and runs, loyalty's drift gauge.
      ArchiveFailed: {
        expr:
          'sum by (stage) (increase(wagerflow_archive_failures_total[1h])) > 0 ' +
          'or sum by (stage) (wagerflow_archive_failures_total unless wagerflow_archive_failures_total offset 1h) > 0',
      },
      ArchiveRunTooLong: {
        expr: 'time() - wagerflow_archive_run_started_timestamp > 2 * 3600 and wagerflow_archive_run_started_timestamp > 0',
      },
      LoyaltyDrift: { expr: 'max(wagerflow_loyalty_drift_accounts) > 0', severity: 'critical' },
    };
    for (const [alert, want] of Object.entries(expected)) {
      const rule = rules.get(alert);
      expect(rule, alert).toBeDefined();
      expect(norm(rule?.expr), alert).toBe(want.expr);
      if (want.for) expect(rule?.for, alert).toBe(want.for);
      if (want.severity) expect(dict(rule?.labels, `${alert}.labels`).severity, alert).toBe(want.severity);
    }
    // Every alert carries a severity for routing.
    for (const [alert, rule] of rules) expect(dict(rule.labels, `${alert}.labels`).severity, alert).toBeTruthy();
  });

  it.runIf(promtool)(
    'passes promtool check config and test rules',
    () => {
      const run = (...args: string[]) => runPromtool(join(root, 'infra', 'prometheus'), ...args);
      run('check', 'config', 'prometheus.yml');
      run('test', 'rules', 'alerts.test.yml');
      // The loyalty alerts' tests evaluate hours of series every 15 s: about 10 s of promtool.
    },
    60_000,
  );
});
