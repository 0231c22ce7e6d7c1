/**
 * Round 16 (staff-16): a help-desk lead's morning on /admin, through the real server with real Redis (web chat over HTTP
 * on loopback, a Slack-style message with a screenshot through the same pipeline): the times and the date filter are the
 * help desk's (Asia/Tokyo unless TIME_ZONE says otherwise, whatever the server's clock zone), and the CSV export keeps what
 * staff said and did and the files the person sent, not only the bot's replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { leadServer, parseCsv } from './client.js';

const lead = leadServer('lead-morning-token-0123456789', 'lead16');
const { say, page, api } = lead;

/** `YYYY-MM-DD HH:mm` of `ms` at `offsetMinutes` from UTC. */
const wall = (ms: number, offsetMinutes: number) => new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');

beforeAll(async () => {
  await lead.start();
  await say('m-takeover', { text: 'メールが届かない' });
  await say('m-takeover', { text: 'まだダメです' });
  // A screenshot sent from Slack: the bot keeps its name and type only.
  await lead.app.core.pipeline.handle({
    conversationId: 'm-attach',
    channel: 'slack',
    userId: 'U16',
    receivedAtMs: Date.now(),
    text: 'このエラーが出ます',
    attachments: 1,
    files: [{ name: 'error-screen.png', type: 'image/png' }],
  });
  await lead.settled((all) => (all.find((s) => s.id === 'm-takeover')?.turns ?? 0) >= 2 && all.some((s) => s.id === 'm-attach'));
}, 60_000);
afterAll(() => lead.stop());

describe("a lead's morning on /admin", () => {
  it('shows times and filters days in Japan time by default, not in the server clock zone', async () => {
    const s = (await lead.app.core.transcripts.summaries()).find((x) => x.id === 'm-takeover')!;
    const jst = wall(s.startedAtMs, 540);
    const row = (html: string) => /<tr[^>]*data-id="m-takeover"[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(row(await page('/admin'))).toContain(jst);
    expect(row(await page('/admin?lang=en'))).toContain(jst);
    expect(await page('/admin/conversations/m-takeover')).toContain(jst);
    // "Today" in Tokyo finds it; the Tokyo day before does not.
    const today = jst.slice(0, 10);
    const ids = async (q: string) => ((await api(`/admin/api/conversations?${q}`)).body.items as Array<{ id: string }>).map((x) => x.id);
    expect(await ids(`from=${today}&to=${today}`)).toContain('m-takeover');
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    expect(await ids(`from=${yesterday}&to=${yesterday}`)).not.toContain('m-takeover');
  });

  it('takes TIME_ZONE when configured and refuses a zone that does not exist, naming the variable', () => {
    expect(loadConfig({ TIME_ZONE: 'UTC' }).utcOffset(Date.now())).toBe(0);
    expect(loadConfig({}).utcOffset(Date.now())).toBe(540);
    expect(() => loadConfig({ TIME_ZONE: 'Asia/Tokio' })).toThrow(/TIME_ZONE/);
  });

  it('exports in CSV what staff sent and did beside the turn, and the files the person sent (JSON Lines too)', async () => {
    expect((await api('/admin/api/conversations/m-takeover/takeover', { method: 'POST', body: { by: '佐藤' } })).status).toBe(200);
    expect((await api('/admin/api/conversations/m-takeover/reply', { method: 'POST', body: { by: '佐藤', text: '担当の佐藤です。設定を確認します' } })).status).toBe(200);
    expect((await api('/admin/api/conversations/m-takeover/notes', { method: 'POST', body: { by: '佐藤', text: 'フィルタ設定を要確認' } })).status).toBe(200);

    const r = await fetch(`${lead.app.url}/admin/api/export?format=csv`, { headers: lead.bearer });
    expect(r.status).toBe(200);
    const [header, ...rows] = parseCsv((await r.text()).replace(/^\uFEFF/, ''));
    const col = (name: string) => header!.indexOf(name);
    const turn2 = rows.find((x) => x[0] === 'm-takeover' && x[1] === '2')!;
    expect(turn2[col('sent_messages')]).toContain('担当者（佐藤）が会話を引き継ぎました');
    expect(turn2[col('sent_messages')]).toContain('佐藤：担当の佐藤です。設定を確認します');
    expect(turn2[col('staff_actions')]).toContain('taken_over (佐藤)');
    expect(turn2[col('staff_actions')]).toContain('note (佐藤): フィルタ設定を要確認');
    const attach = rows.find((x) => x[0] === 'm-attach' && x[1] === '1')!;
    expect(attach[col('files')]).toBe('error-screen.png (image/png)');
    // The older columns keep their places (a sheet built on them still lines up).
    expect(header!.slice(0, 3)).toEqual(['conversation', 'seq', 'at']);
    expect(header![col('note') + 1]).toBe('files');

    const jsonl = await (await fetch(`${lead.app.url}/admin/api/export?format=jsonl`, { headers: lead.bearer })).text();
    const conv = jsonl.trim().split('\n').map((l) => JSON.parse(l) as { conversation: string; turns: Array<{ files?: unknown }> }).find((c) => c.conversation === 'm-attach')!;
    expect(conv.turns[0]!.files).toEqual([{ name: 'error-screen.png', type: 'image/png' }]);
  });
});
