/**
 * Round 33 (staff-33): "for whom" by device. The list, its API, the CLI and the analytics narrowed by carrier and symptom,
 * not by the device the conversation knew (summary `device`: iPhone / iPad / Android / Mac / Windows) — an iPhone-only
 * step failing for Android people could not be read apart. Now `device=` on the list and GET /admin/api/conversations, a
 * 端末 / Device select on the list and the analytics, `mailmedic transcripts list --device` (real server, real Redis,
 * loopback HTTP, the built CLI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, listedIds, requireBuild, runCli } from '../channels/cli/spawn.js';
import { REDIS_URL } from '../redis.js';
import { leadServer } from './client.js';

const lead = leadServer('lead-device-token-0123456789', 'leaddevice', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  // Two iPhone people (one named it, one chose it), one Android person, one who never said.
  expect((await say('dv-i1', { text: 'iPhoneでドコモメールが届かない' })).node).toBe('arrive_junk');
  await say('dv-i2', { text: 'auのメールが送れない' });
  await say('dv-i2', { action: 'iphone' });
  await say('dv-a1', { text: 'auのメールが送れない' });
  await say('dv-a1', { action: 'android' });
  await say('dv-x1', { text: 'ドコモメールが届かない' });
  await lead.settled((all) => ['dv-i1', 'dv-i2', 'dv-a1', 'dv-x1'].every((id) => all.some((s) => s.id === id)) && ['dv-i2', 'dv-a1'].every((id) => (all.find((s) => s.id === id)?.turns ?? 0) >= 2));
}, 90_000);
afterAll(() => lead.stop());

const ids = async (q: string) => ((await api(`/admin/api/conversations?${q}`)).body.items as Array<{ id: string }>).map((x) => x.id).filter((id) => id.startsWith('dv-')).sort();

describe('device filter', () => {
  it('lists one device’s conversations in the API, and refuses an unknown device', async () => {
    expect(await ids('device=iphone')).toEqual(['dv-i1', 'dv-i2']);
    expect(await ids('device=android')).toEqual(['dv-a1']);
    expect(await ids('device=android&carrier=docomo')).toEqual([]);
    expect((await api('/admin/api/conversations?device=nokia')).status).toBe(400);
  });
  it('offers a 端末 / Device select on the list, the choice kept (ja and en)', async () => {
    const ja = await page('/admin?device=android');
    expect(ja).toMatch(/<select name="device" data-testid="f-device">[\s\S]*?<option value="android" selected>/);
    expect(ja).toContain('すべての端末');
    expect(ja).toContain('dv-a1');
    expect(ja).not.toContain('dv-i1');
    const en = await page('/admin?device=iphone&lang=en');
    expect(en).toContain('Any device');
    expect(en).toContain('dv-i2');
    expect(en).not.toContain('dv-a1');
  });
  it('narrows the analytics by device (page and API), the links carrying it to the list', async () => {
    expect((await api('/admin/api/analytics')).body.total).toBe(4);
    const iphone = (await api('/admin/api/analytics?device=iphone')).body;
    expect(iphone.total).toBe(2);
    expect(iphone.device).toBe('iphone');
    expect((await api('/admin/api/analytics?device=android')).body.total).toBe(1);
    const html = await page('/admin/analytics?device=android');
    expect(html).toMatch(/<select name="device" data-testid="a-device">[\s\S]*?<option value="android" selected>/);
    const link = html.match(/<div class="kpi " data-testid="kpi-total">[\s\S]*?href="([^"]*)"/)![1]!.replace(/&amp;/g, '&');
    expect(link).toContain('device=android');
  });
});

describe('mailmedic transcripts list --device', () => {
  it('lists the same from the command line, and refuses an unknown value naming the flag', async () => {
    requireBuild();
    const env = childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix });
    expect(await listedIds(env, '--device', 'iphone')).toEqual(['dv-i1', 'dv-i2']);
    expect(await listedIds(env, '--device', 'android')).toEqual(['dv-a1']);
    const bad = await runCli(['transcripts', 'list', '--device', 'nokia'], '', env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--device must be one of iphone, ipad, android, mac, windows');
  }, 60_000);
});
