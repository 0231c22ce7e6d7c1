/**
 * Which Chromium the browser tests drive, and how they start it — so that `npm test` needs no browser installed:
 *
 * 1. `CHROMIUM_PATH`, when set (it must exist: a wrong path is an error, not a silent fallback);
 * 2. a system Chromium: chromium, chromium-browser, google-chrome, google-chrome-stable on PATH or in /usr/bin;
 * 3. the headless Chromium shipped inside the npm package `@sparticuz/chromium` (a devDependency): its
 *    brotli-compressed binary is unpacked once into node_modules/.cache/mailmedic-chromium/<version>/ (written to
 *    a temporary name and renamed, so two test files unpacking at once never see half a binary).
 *
 * The packaged binary links only glibc, NSS/NSPR and expat. When it cannot start, the error names the missing
 * shared libraries and the Debian packages that bring them.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Chromium's flags. Besides headless as root: without the background-networking flags Chromium keeps dialling
 * Google's hosts, which this closed network refuses many times a second. Playwright adds a fresh, empty
 * --user-data-dir of its own at every launch.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** System Chromium executables, in the order they are preferred. */
export const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

export interface FoundChromium {
  path: string;
  /** Where it came from, for the test log. */
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

/** Debian packages of the shared libraries the packaged binary links besides glibc. */
const DEBIAN_PACKAGE_OF: Record<string, string> = {
  'libnss3.so': 'libnss3',
  'libnssutil3.so': 'libnss3',
  'libsmime3.so': 'libnss3',
  'libnspr4.so': 'libnspr4',
  'libplc4.so': 'libnspr4',
  'libplds4.so': 'libnspr4',
  'libexpat.so.1': 'libexpat1',
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first system Chromium on PATH (then /usr/bin, for a trimmed PATH), or undefined. */
export function systemChromium(pathVar = process.env.PATH ?? ''): string | undefined {
  const dirs = [...pathVar.split(delimiter).filter(Boolean), '/usr/bin'];
  for (const name of SYSTEM_NAMES) {
    for (const dir of dirs) {
      const p = join(dir, name);
      if (isExecutable(p)) return p;
    }
  }
  return undefined;
}

/** The installed @sparticuz/chromium: its folder and version (resolved through Node, not guessed). */
function packagedChromium(): { dir: string; version: string } {
  // The package exports only its entry point, so walk up from it to its package.json.
  let dir = dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium'));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== '@sparticuz/chromium') {
    const up = dirname(dir);
    if (up === dir) throw new Error('@sparticuz/chromium: package.json not found (run npm ci)');
    dir = up;
  }
  return { dir, version: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version as string };
}

/** Unpacks the packaged binary once per version; returns its path. */
async function unpackPackagedChromium(): Promise<string> {
  const { dir, version } = packagedChromium();
  const target = join(ROOT, 'node_modules', '.cache', 'mailmedic-chromium', version, 'chromium');
  if (isExecutable(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const part = `${target}.${process.pid}.part`;
  try {
    await pipeline(createReadStream(join(dir, 'bin', 'chromium.br')), createBrotliDecompress(), createWriteStream(part, { mode: 0o755 }));
    renameSync(part, target);
  } finally {
    rmSync(part, { force: true });
  }
  return target;
}

/** Shared libraries `ldd` cannot find for `binary` (empty when ldd is missing or finds them all). */
export async function missingLibraries(binary: string): Promise<string[]> {
  try {
    const { stdout } = await run('ldd', [binary]);
    return [...stdout.matchAll(/^\s*(\S+) => not found/gm)].map((m) => m[1]!);
  } catch {
    return [];
  }
}

/** Starts `binary --version`; on failure, an error naming what to install. */
async function checkStarts(found: FoundChromium): Promise<FoundChromium> {
  try {
    await run(found.path, ['--version'], { timeout: 30_000 });
    return found;
  } catch (e) {
    const missing = await missingLibraries(found.path);
    const packages = [...new Set(missing.map((lib) => DEBIAN_PACKAGE_OF[lib] ?? lib))];
    const why = missing.length > 0 ? `missing shared libraries ${missing.join(', ')}: apt-get install ${packages.join(' ')}` : (e as Error).message.split('\n')[0];
    throw new Error(`Chromium from ${found.source} (${found.path}) cannot start — ${why} (or set CHROMIUM_PATH to a Chromium that runs here)`);
  }
}

async function find(env: NodeJS.ProcessEnv): Promise<FoundChromium> {
  const given = env.CHROMIUM_PATH;
  if (given) {
    if (!isExecutable(given)) throw new Error(`CHROMIUM_PATH=${given} is not an executable file`);
    return { path: given, source: 'CHROMIUM_PATH' };
  }
  const system = systemChromium(env.PATH);
  if (system) return { path: system, source: 'system' };
  return checkStarts({ path: await unpackPackagedChromium(), source: '@sparticuz/chromium' });
}

let found: Promise<FoundChromium> | undefined;

/** The Chromium this process uses (looked up once). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundChromium> {
  found ??= find(env);
  return found;
}

/** Launches the found Chromium headless with {@link CHROMIUM_ARGS}. */
export async function launchChromium(): Promise<Browser> {
  const { path } = await findChromium();
  return chromium.launch({ executablePath: path, args: [...CHROMIUM_ARGS], headless: true });
}
