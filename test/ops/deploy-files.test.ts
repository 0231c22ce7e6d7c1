/**
 * No Docker engine runs on the build machines, so the deployment files are checked against the code instead:
 * every variable the app reads (the keys of src/config's envSchema) is documented in .env.example and in the
 * README's configuration table; compose only sets variables that exist and wires Redis with persistence; the
 * Dockerfile is multi-stage, runs as non-root with production dependencies only, and copies what the runtime reads.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { envSchema, loadConfig } from '../../src/config/index.js';
import { ROOT } from '../state/helpers.js';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const SCHEMA_VARS = Object.keys(envSchema.shape).sort();

/** `KEY=value` lines of a dotenv file, in order, with the comment block right above each. */
function dotenv(text: string): Array<{ key: string; value: string; comment: string; line: number }> {
  const out: Array<{ key: string; value: string; comment: string; line: number }> = [];
  let comment: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#')) comment.push(line.replace(/^#\s?/, ''));
    else if (line === '') comment = [];
    else {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (!m) throw new Error(`.env.example:${i + 1}: not KEY=value: ${line}`);
      out.push({ key: m[1]!, value: m[2]!, comment: comment.join(' '), line: i + 1 });
      comment = [];
    }
  });
  return out;
}

/** The instructions of one Dockerfile stage, continuation lines joined. */
function dockerStages(text: string): Array<{ from: string; lines: string[] }> {
  const joined = text.replace(/\\\n/g, ' ');
  const stages: Array<{ from: string; lines: string[] }> = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('.env.example', () => {
  const entries = dotenv(read('.env.example'));
  const keys = entries.map((e) => e.key);

  it('lists every variable of the config schema exactly once, and nothing else', () => {
    expect([...keys].sort()).toEqual(SCHEMA_VARS);
  });

  it('explains each variable in the comment right above it, naming it', () => {
    for (const e of entries) {
      expect(e.comment, `.env.example:${e.line} ${e.key} has no comment`).toContain(`${e.key}:`);
      expect(e.comment.length, `.env.example:${e.line} ${e.key}: say what it means`).toBeGreaterThan(e.key.length + 20);
    }
  });

  it('states the default of every variable that has one, and the default matches the schema', () => {
    const defaults = envSchema.parse({}) as Record<string, unknown>;
    for (const e of entries) {
      const def = defaults[e.key];
      if (def === undefined) continue;
      expect(e.comment, `${e.key}: default ${String(def)} not stated`).toMatch(new RegExp(`Default:?\\s+[^.]*${String(def).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
      if (e.value !== '') expect(String(def), `${e.key}: example value differs from the default`).toBe(e.value);
    }
  });

  it('is a valid configuration as it stands (copying it changes nothing until edited)', () => {
    const env = Object.fromEntries(entries.map((e) => [e.key, e.value]));
    const config = loadConfig(env);
    expect(config.redis).toBeUndefined();
    expect(config.port).toBe(3978);
  });
});

describe('README configuration table', () => {
  it('has a row for every variable the app reads', () => {
    const path = join(ROOT, 'README.md');
    expect(existsSync(path), 'README.md is missing').toBe(true);
    const readme = readFileSync(path, 'utf8');
    const rows = readme.split('\n').filter((l) => l.trim().startsWith('|'));
    const missing = SCHEMA_VARS.filter((v) => !rows.some((r) => r.includes(`\`${v}\``)));
    expect(missing, 'variables with no row in the README configuration table').toEqual([]);
  });

  it("states each variable's default as the schema has it (a value in code, or words when the schema has none)", () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 5));
    const defaults = envSchema.parse({}) as Record<string, unknown>;
    const seen: string[] = [];
    for (const row of section.split('\n').filter((l) => l.startsWith('| `'))) {
      const cells = row.slice(1, -1).split('|').map((c) => c.trim());
      const vars = [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const stated = cells.at(-1)!;
      const values = [...stated.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      seen.push(...vars);
      vars.forEach((v, i) => {
        const def = defaults[v];
        // PUBLIC_URL's default follows PORT: `http://localhost:<PORT>`.
        if (v === 'PUBLIC_URL') expect(stated, v).toBe('`http://localhost:<PORT>`');
        else if (def === undefined) expect(values.length === 0 || /off|none|—/.test(stated), `${v}: the schema has no default, the README states ${stated}`).toBe(true);
        else expect(values[vars.length === values.length ? i : 0], `${v}: the README's default`).toBe(String(def));
      });
    }
    expect([...seen].sort(), 'the configuration table lists exactly the schema variables').toEqual(SCHEMA_VARS);
  });
});

describe('README metrics', () => {
  it('names every metric the code registers (what an SRE alerts on must be findable)', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const names = walk(join(ROOT, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/name: '(mailmedic_[a-z_]+)'/g)].map((m) => m[1]!));
    expect(names.length).toBeGreaterThan(10);
    const readme = read('README.md');
    const metrics = readme.slice(readme.indexOf('**Metrics**'), readme.indexOf('\n- **Shutdown**'));
    expect(names.filter((n) => !metrics.includes(`\`${n}`)), 'metrics missing from the README (Deploying › Metrics)').toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml')) as any;
  const bot = compose.services.bot;
  const redis = compose.services.redis;

  it('sets only variables the app reads, and a valid configuration', () => {
    const env = bot.environment as Record<string, string>;
    for (const k of Object.keys(env)) expect(SCHEMA_VARS, `compose sets ${k}, which the app does not read`).toContain(k);
    // ${VAR:-default} is compose interpolation: the default is what the app sees when .env does not set it.
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Za-z_]+:-([^}]*)\}/g, '$1')]));
    const config = loadConfig(resolved);
    expect(config.redis).toEqual({ mode: 'single', url: 'redis://redis:6379' });
    expect(config.port).toBe(3978);
  });

  it('runs in production with .env copied from .env.example, as the README says to deploy', () => {
    // What the container sees: the image's ENV, then env_file (.env), then `environment:` — the later wins, and an
    // empty `KEY=` line in .env sets the variable to "" (it does not leave the image's value). `${VAR:-x}` is read
    // from .env too, and `:-` takes x when VAR is unset or empty.
    const dotenvValues = Object.fromEntries(dotenv(read('.env.example')).map((e) => [e.key, e.value]));
    const interpolate = (v: string) =>
      v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) =>
        dotenvValues[name] ? dotenvValues[name]! : (def ?? ''),
      );
    const runtime = dockerStages(read('Dockerfile')).at(-1)!;
    const imageEnv = Object.fromEntries(
      runtime.lines.filter((l) => /^ENV\s/.test(l)).flatMap((l) => [...l.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
    );
    expect(imageEnv.NODE_ENV, 'the image sets NODE_ENV=production').toBe('production');
    const env: Record<string, string> = { ...imageEnv, ...dotenvValues };
    for (const [k, v] of Object.entries(bot.environment as Record<string, string>)) env[k] = interpolate(String(v));
    const config = loadConfig(env);
    // Not production: the Teams endpoint would accept unauthenticated activities (Emulator mode) on a public host.
    expect(config.production, 'NODE_ENV in the container').toBe(true);
    expect(config.redis).toEqual({ mode: 'single', url: 'redis://redis:6379' });
    expect(config.port).toBe(3978);
  });

  it('points REDIS_URL at the compose Redis service and waits for it to be healthy', () => {
    const host = new URL(bot.environment.REDIS_URL).hostname;
    expect(Object.keys(compose.services)).toContain(host);
    expect(bot.depends_on[host].condition).toBe('service_healthy');
    expect(compose.services[host].healthcheck.test.join(' ')).toContain('ping');
  });

  it('gives Redis persistence: append-only file on a named volume', () => {
    const cmd = (redis.command as string[]).join(' ');
    expect(cmd).toMatch(/--appendonly yes/);
    const dataVolume = (redis.volumes as string[]).find((v) => v.endsWith(':/data'));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(dataVolume!.split(':')[0]);
  });

  it('publishes the app port, shares the ticket folder, and allows the 10 s graceful shutdown', () => {
    expect((bot.ports as string[]).some((p) => p.endsWith(':3978'))).toBe(true);
    expect((bot.volumes as string[]).some((v) => v.endsWith(`:${bot.environment.TICKET_DIR}`))).toBe(true);
    expect(bot.stop_signal).toBe('SIGTERM');
    expect(Number(/^(\d+)s$/.exec(bot.stop_grace_period)?.[1])).toBeGreaterThanOrEqual(10);
    expect(bot.build).toBe('.');
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const runtime = stages.at(-1)!;
  const text = runtime.lines.join('\n');

  it('is multi-stage: builds with dev dependencies, runs with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((s) => s.lines.some((l) => /npm run build/.test(l)));
    expect(build, 'a stage runs npm run build').toBeDefined();
    expect(build!.lines.some((l) => /npm ci(?!.*--omit=dev)/.test(l))).toBe(true);
    // The runtime's node_modules comes from an `npm ci --omit=dev` stage (or is installed so in the runtime).
    const prodStage = stages.find((s) => s.lines.some((l) => /npm ci .*--omit=dev/.test(l)));
    expect(prodStage, 'a stage runs npm ci --omit=dev').toBeDefined();
    const copyModules = runtime.lines.find((l) => /^COPY .*node_modules/.test(l));
    const alias = /AS\s+(\S+)/i.exec(prodStage!.from)?.[1];
    expect(prodStage === runtime || (copyModules !== undefined && copyModules.includes(`--from=${alias}`))).toBe(true);
    expect(runtime.lines.some((l) => /npm (ci|install)(?!.*--omit=dev)/.test(l))).toBe(false);
    expect(runtime.from).toMatch(/node:\$\{NODE_VERSION\}|node:20/);
    expect(read('Dockerfile')).toMatch(/ARG NODE_VERSION=20\./);
  });

  it('bounds the V8 heap exactly as the load benchmark runs the servers', () => {
    const env = runtime.lines.find((l) => /^ENV .*NODE_OPTIONS=/.test(l));
    const flags = /NODE_OPTIONS=(--max-old-space-size=\d+)/.exec(env ?? '')?.[1];
    expect(flags, 'ENV NODE_OPTIONS=--max-old-space-size=…').toBeDefined();
    const bench = /IMAGE_NODE_ARGS = \['([^']+)'\]/.exec(read('src/bench/load.ts'))?.[1];
    expect(bench).toBe(flags);
  });

  it('runs as a non-root user', () => {
    const users = runtime.lines.filter((l) => /^USER\s/.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|\s|$)/);
  });

  it('copies what the runtime reads: dist (with the NLU model), content folders, package.json, node_modules', () => {
    for (const what of ['dist', 'intents', 'dialogs', 'locales', 'package.json', 'node_modules']) {
      expect(runtime.lines.some((l) => l.startsWith('COPY') && l.split(/\s+/).some((w) => w === what || w.endsWith(`/${what}`))), `COPY ${what}`).toBe(true);
    }
    // The model artefact: built in the build stage (dist/nlu/model.json) and copied with dist.
    expect(stages.some((s) => s.lines.some((l) => l.includes('dist/nlu/model.json')))).toBe(true);
    // kuromoji's dictionary ships inside node_modules/kuromoji/dict: kuromoji must be a production dependency.
    const pkg = JSON.parse(read('package.json'));
    expect(Object.keys(pkg.dependencies)).toContain('kuromoji');
    expect(existsSync(join(ROOT, 'node_modules/kuromoji/dict/base.dat.gz'))).toBe(true);
  });

  it('starts `mailmedic serve`, exposes 3978, checks /healthz and stops on SIGTERM', () => {
    expect(text).toMatch(/^EXPOSE 3978$/m);
    expect(text).toMatch(/^HEALTHCHECK .*\/healthz/m);
    expect(text).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(text).toMatch(/^CMD \["node", "dist\/cli\/main\.js", "serve"\]$/m);
    expect(existsSync(join(ROOT, 'src/cli/main.ts'))).toBe(true);
  });

  it('leaves dev-only dependencies out of the server code path', () => {
    // Everything the server imports must be in "dependencies": the runtime stage has no devDependencies.
    const pkg = JSON.parse(read('package.json'));
    const prod = new Set(Object.keys(pkg.dependencies));
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    // Benchmarks and the NLU evaluation are developer tools (they use dev dependencies on purpose).
    const devOnly = ['src/bench/', 'src/nlu/eval/'];
    const bad: string[] = [];
    for (const file of walk(join(ROOT, 'src'))) {
      const rel = relative(ROOT, file);
      if (devOnly.some((d) => rel.startsWith(d))) continue;
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/(?:from\s+|import\(\s*|require\(\s*|createRequire\(import\.meta\.url\)\(\s*)'([^'.][^']*)'/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!prod.has(name)) bad.push(`${rel}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', '.env', 'data', '.git']) expect(ignore).toContain(p);
  });
});
