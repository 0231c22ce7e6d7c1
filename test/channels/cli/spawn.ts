/** Spawning the built `mailmedic` command (dist/, written by `npm run build`, which `npm test` runs first). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = `${ROOT}dist/cli/main.js`;

export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm test does)');
}

/** Environment for a child: the parent's PATH, quiet logs, and no state settings unless given. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', RATE_LIMIT_CONVERSATION_PER_MINUTE: '0', RATE_LIMIT_CLIENT_PER_MINUTE: '0', INCIDENT_THRESHOLD: '0', SHUTDOWN_GRACE_SECONDS: '0', ...extra };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the command with `input` on stdin and collects everything. */
export function runCli(args: string[], input: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mailmedic ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** A running child answering line by line: send one line, await the next stdout line. */
export interface Session {
  child: ChildProcessWithoutNullStreams;
  send(line: string): Promise<string>;
  end(): Promise<Run>;
}

export function startSession(args: string[], env: NodeJS.ProcessEnv): Session {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const lines: Interface = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: Array<(l: string) => void> = [];
  let stdout = '';
  lines.on('line', (l) => {
    stdout += `${l}\n`;
    const w = waiting.shift();
    if (w) w(l);
    else queue.push(l);
  });
  const closed = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    child,
    send(line) {
      child.stdin.write(`${line}\n`);
      const ready = queue.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${line}\n${stderr}`)), 30_000);
        waiting.push((l) => {
          clearTimeout(timer);
          resolve(l);
        });
      });
    },
    end() {
      child.stdin.end();
      return closed;
    },
  };
}

/**
 * `mailmedic transcripts list --json <args>` run against `env`: the ids it lists, sorted (the command must succeed).
 * The review list's tests compare the command line with the page's filters through it.
 */
export async function listedIds(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string[]> {
  const r = await runCli(['transcripts', 'list', '--json', ...args], '', env);
  if (r.code !== 0) throw new Error(`mailmedic transcripts list ${args.join(' ')} exited ${r.code}\n${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id)
    .sort();
}
