/**
 * Real `mailmedic serve` processes for the ops tests (built dist/, which `npm test` builds first): start one on a
 * free port, talk to it over loopback HTTP, stop it with a signal and read its exit code.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CLI, ROOT, requireBuild } from '../channels/cli/spawn.js';

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything the process wrote to stderr so far (JSON log lines and the "listening on" line). */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Starts `node dist/cli/main.js serve` with PORT=0 and `env`; resolves once it listens. */
export function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  requireBuild();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'warn', ...env },
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not listen within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\n${stderr}`));
    });
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /listening on http:\/\/localhost:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: `http://127.0.0.1:${m[1]}`,
          stderr: () => stderr,
          exited,
          stop(signal: NodeJS.Signals = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}

export interface TurnResponse {
  status: number;
  body: any;
}

/** POSTs one turn to /api/chat. */
export async function chat(url: string, body: Record<string, unknown>): Promise<TurnResponse> {
  const res = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: kept as text for the assertion message */
  }
  return { status: res.status, body: parsed };
}
