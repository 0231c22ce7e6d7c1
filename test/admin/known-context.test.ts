/**
 * Round 18 (lead), from staff-18's walk through /admin: a device chosen with a button (「お使いの端末を教えてください」 →
 * [Android]) never reached the list's carrier / device column, the conversation's summary or the export — those read
 * only what the NLU found in typed text, so a lead filtering by "which phones fail" saw "—" for everyone who tapped.
 * The turn now records what the conversation knows after it (its carrier / service / device slots), typed or chosen.
 * Real server, real Redis, loopback HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('known-context-token-0123456789', 'knownctx');
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  // The device by a button, then the carrier by a typed answer later on.
  expect((await say('kc-button', { text: 'パスワードが正しくありませんと出る' })).node).toBe('auth_device');
  expect((await say('kc-button', { action: 'android' })).node).not.toBe('auth_device');
  // The device typed in the first message.
  await say('kc-typed', { text: 'iPhoneでパスワードが正しくありませんと出る' });
  await lead.settled((all) => ['kc-button', 'kc-typed'].every((id) => all.some((s) => s.id === id)) && (all.find((s) => s.id === 'kc-button')?.turns ?? 0) >= 2);
}, 90_000);
afterAll(() => lead.stop());

const row = (html: string, id: string) => new RegExp(`<tr[^>]*data-id="${id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';

describe('the device a person chose with a button', () => {
  it('is the conversation’s device on the API, as a typed one is', async () => {
    expect((await api('/admin/api/conversations/kc-button')).body.summary.device).toBe('android');
    expect((await api('/admin/api/conversations/kc-typed')).body.summary.device).toBe('iphone');
  });

  it('shows in the list’s context column (ja and en)', async () => {
    expect(row(await page('/admin'), 'kc-button')).toContain('Android');
    expect(row(await page('/admin?lang=en'), 'kc-button')).toContain('Android');
    expect(row(await page('/admin'), 'kc-typed')).toContain('iPhone');
  });

  it('is kept on the turn that chose it (the transcript says what the conversation knew after it)', async () => {
    const turns = (await api('/admin/api/conversations/kc-button')).body.turns as Array<{ action?: string; known?: { device?: string } }>;
    expect(turns.find((t) => t.action === 'android')?.known?.device).toBe('android');
  });
});
