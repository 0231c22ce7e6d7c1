/**
 * `mailmedic chat --jsonl` by its public contract: the built command, stdin → stdout, real NLU/tree/engine,
 * memory state and (second part) real Redis — state then survives a restart of the process.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { allChoices, deleteKeys, expectTurnShape, REDIS_URL, runId } from '../../http/helpers.js';
import { childEnv, requireBuild, runCli, startSession } from './spawn.js';

beforeAll(() => requireBuild());

describe('chat --jsonl (memory)', () => {
  it('answers every line in order: turns for good lines, {"error"} for bad ones, nothing else on stdout', async () => {
    const lines = [
      JSON.stringify({ conversation: 'c1', text: 'iPhoneでIMAPサーバーが応答しませんと出ます' }),
      'this is not json',
      JSON.stringify({ text: 'no conversation' }),
      JSON.stringify({ conversation: 'c1', text: 'a', action: 'b' }),
      JSON.stringify({ conversation: 'c1' }),
      JSON.stringify({ conversation: 'c1', text: 42 }),
      '',
      '[1,2,3]',
      JSON.stringify({ conversation: 'c2', text: '' }),
      JSON.stringify({ conversation: 'c1', action: 'no_such_value' }),
      JSON.stringify({ conversation: 'c3', text: 'メールが'.repeat(25_000) }),
      JSON.stringify({ conversation: 'c4', text: '😀\u0000\u0007' }),
    ];
    const run = await runCli(['chat', '--jsonl'], `${lines.join('\n')}\n`, childEnv());
    expect(run.code).toBe(0);
    const out = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    // One line per non-blank input line, in order.
    expect(out).toHaveLength(lines.filter((l) => l.trim() !== '').length);
    const kinds = out.map((o) => ('error' in o ? 'error' : o.conversation));
    expect(kinds).toEqual(['c1', 'error', 'error', 'error', 'error', 'error', 'error', 'c2', 'c1', 'c3', 'c4']);
    for (const o of out) {
      if ('error' in o) {
        expect(Object.keys(o)).toEqual(['error']);
        expect(o.error).toMatch(/\S/);
      } else expectTurnShape(o);
    }
    expect(out[0]!.intent).toBe('error_server_timeout');
    expect(allChoices(out[0]).length).toBeGreaterThan(0);
  });

  it('answers a line of only spaces or control characters with a clear {"error"}, in both languages, and skips only empty lines', async () => {
    const turn = JSON.stringify({ conversation: 'b1', text: 'メールが届かない' });
    const lines = ['\t\f\v', turn, '', '\u0007\u0001', '\u3000 \u200b', turn];
    for (const lang of ['ja', 'en']) {
      const run = await runCli(['chat', '--jsonl', '--lang', lang], `${lines.join('\n')}\n`, childEnv());
      expect(run.code).toBe(0);
      const out = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
      // Every line that carried anything gets its line, in order; only the empty one is a separator.
      expect(out.map((o) => ('error' in o ? 'error' : o.conversation))).toEqual(['error', 'b1', 'error', 'error', 'b1']);
      const errors = out.filter((o) => 'error' in o).map((o) => o.error as string);
      // The same clear message for the three, naming what to send — not "not valid JSON".
      expect(new Set(errors).size).toBe(1);
      expect(errors[0]).toContain('"conversation"');
      expect(errors[0]).toMatch(lang === 'ja' ? /空白や制御文字/ : /spaces or control characters/);
    }
  });

  it('takes a click on a choice it offered, answering each line before reading the next', async () => {
    const session = startSession(['chat', '--jsonl'], childEnv());
    const first = JSON.parse(await session.send(JSON.stringify({ conversation: 'k1', text: '送信だけできない。受信はできる' })));
    expectTurnShape(first);
    const choice = allChoices(first)[0]!;
    const second = JSON.parse(await session.send(JSON.stringify({ conversation: 'k1', action: choice.value })));
    expectTurnShape(second);
    expect(second.intent).toBeNull();
    expect(second.node !== first.node || second.replies[0].text !== first.replies[0].text).toBe(true);
    const run = await session.end();
    expect(run.code).toBe(0);
  });
});

describe('chat --jsonl (Redis)', () => {
  const id = runId();
  const conversation = `cli-${id}`;
  const env = childEnv({ REDIS_URL });
  afterAll(async () => {
    await deleteKeys(`mm:{c:cli-${id}}*`);
  });

  it('keeps the conversation in Redis across two processes', async () => {
    const one = await runCli(['chat', '--jsonl'], `${JSON.stringify({ conversation, text: 'iPhoneでIMAPサーバーが応答しませんと出ます' })}\n`, env);
    expect(one.code).toBe(0);
    const first = JSON.parse(one.stdout.trim());
    expectTurnShape(first);
    const choice = allChoices(first)[0]!;
    // A new process: only Redis can know which question c is on, so a valid click proves the state survived.
    const two = await runCli(['chat', '--jsonl'], `${JSON.stringify({ conversation, action: choice.value })}\n`, env);
    expect(two.code).toBe(0);
    const second = JSON.parse(two.stdout.trim());
    expectTurnShape(second);
    expect(second.node).not.toBe(first.node);
    // The same click in a process with memory state is a click on an expired conversation: a different answer.
    const fresh = await runCli(['chat', '--jsonl'], `${JSON.stringify({ conversation, action: choice.value })}\n`, childEnv());
    expect(JSON.parse(fresh.stdout.trim()).node).not.toBe(second.node);
  });
});

describe('chat --jsonl (Redis unreachable)', () => {
  it('every line still gets its own clear answer (store_unavailable, in the turn shape), in order, and the process exits 0 (lose-37 sweep)', async () => {
    const lines = [JSON.stringify({ conversation: 'u1', text: 'メールが届かない' }), JSON.stringify({ conversation: 'u1', text: 'はい' }), JSON.stringify({ conversation: 'u2', text: "my mail won't send", locale: 'en' })];
    // Port 1: nothing listens — the store is down from the first line to the last.
    const run = await runCli(['chat', '--jsonl'], `${lines.join('\n')}\n`, childEnv({ REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent' }), 120_000);
    expect(run.code).toBe(0);
    const out = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(out.map((o) => o.conversation)).toEqual(['u1', 'u1', 'u2']);
    for (const o of out) {
      expect(o.error).toBe('store_unavailable');
      expect(String(o.replies?.[0]?.text ?? '')).toMatch(/\S/);
    }
    expect(out[2]!.replies[0].text).toMatch(/[A-Za-z]/);
  }, 150_000);
});
