/** `mailmedic chat` (no flag): the terminal chat, driven through a pipe. Typing a number clicks that choice. */
import { beforeAll, describe, expect, it } from 'vitest';
import { childEnv, requireBuild, runCli } from './spawn.js';

beforeAll(() => requireBuild());

describe('chat (terminal)', () => {
  it('numbers the choices, takes a number as a click, and leaves on /quit', async () => {
    const run = await runCli(['chat'], 'iPhoneでIMAPサーバーが応答しませんと出ます\n1\n/quit\nthis line is never read\n', childEnv({ DEFAULT_LOCALE: 'ja' }));
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain('mailmedic ターミナル相談');
    expect(out).toMatch(/^ {4}1\) \S/m);
    expect(out).toMatch(/^あなた> 1$/m);
    // Two bot turns: the symptom and the click (a number that was not a choice would be sent as text instead).
    expect(out.match(/^mailmedic> /gm)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(out).not.toContain('そのボタンは');
    expect(out.trimEnd().endsWith('ご利用ありがとうございました。')).toBe(true);
    expect(run.stderr).not.toMatch(/"level":"(info|debug)"/);
  });

  it('speaks English with --lang en', async () => {
    const run = await runCli(['chat', '--lang', 'en'], '/quit\n', childEnv());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('mailmedic terminal chat');
    expect(run.stdout).toContain('Thanks for using mailmedic.');
  });
});
