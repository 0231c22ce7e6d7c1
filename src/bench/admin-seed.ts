/**
 * Seeded transcripts for `npm run bench:admin` and the search-index tests: N conversations of a desk, ja and en, written
 * through the store as the observer writes them. Deterministic for a seed. Each conversation is 3–9 turns: the first
 * message and the typed replies are training phrases of intents/<locale>/*.yaml (hand-written, never a held-out real
 * line), the bot's answers the locale texts of the tree (locales/), a few clicks; some end resolved, some escalated with a
 * ticket. About one in eight holds a password in a message — masked as the observer masks it (redact), and one in
 * forty stored UNMASKED, as a transcript written by an older version would be (read-time redaction masks it again):
 * `passwords` lists every value, which no search may ever find.
 */
import { redact } from '../core/redact.js';
import { INTENTS, type ChannelName, type ConversationStatus, type Intent, type Locale } from '../core/index.js';
import { loadIntents, loadLocales } from '../data/load.js';
import { interpolate } from '../i18n/index.js';
import type { NewTurn } from '../transcripts/summary.js';
import type { TranscriptStore } from '../transcripts/types.js';
import { rng } from '../nlu/model.js';

export interface SeedOptions {
  conversations: number;
  /** The newest conversation's last turn, ms; they spread over `spanDays` before it. */
  nowMs: number;
  spanDays?: number;
  seed?: number;
  /** Conversation ids start with it (several seeds in one store). */
  idPrefix?: string;
  /** Conversations written at once. */
  concurrency?: number;
}

export interface Seeded {
  ids: string[];
  /** Every password value typed in a seeded message (masked or stored unmasked). */
  passwords: string[];
  turns: number;
}

interface Material {
  phrases: Record<Locale, Array<{ intent: Intent; text: string }>>;
  replies: Record<Locale, Array<{ key: string; text: string }>>;
  nodes: string[];
}

let material: Material | undefined;
function load(): Material {
  if (material) return material;
  const phrases: Material['phrases'] = { ja: [], en: [] };
  for (const f of loadIntents().files) for (const text of f.examples) phrases[f.locale as Locale].push({ intent: f.intent as Intent, text });
  const { messages } = loadLocales();
  const replies: Material['replies'] = { ja: [], en: [] };
  const nodes = new Set<string>();
  const params = { device: 'iPhone', carrier: 'docomo', ticket: 'MM-20261120-0042', service: 'iCloud', name: 'Sato' };
  for (const locale of ['ja', 'en'] as const) {
    for (const [key, text] of messages[locale]) {
      if (!key.startsWith('tree.') && !key.startsWith('engine.')) continue;
      replies[locale].push({ key, text: interpolate(text, params) });
      const node = /^tree\.([^.]+)\./.exec(key)?.[1];
      if (node) nodes.add(node);
    }
  }
  material = { phrases, replies, nodes: [...nodes].sort() };
  return material;
}

const PASSWORD_LINES: Record<Locale, (pw: string) => string> = {
  ja: (pw) => `パスワードは ${pw} です。入れてもエラーになります`,
  en: (pw) => `my password is ${pw} and it still fails`,
};

/** Writes `conversations` conversations into the store; returns their ids and the password values typed. */
export async function seedTranscripts(store: TranscriptStore, o: SeedOptions): Promise<Seeded> {
  const m = load();
  const r = rng(o.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const span = (o.spanDays ?? 28) * 86_400_000;
  const channels: ChannelName[] = ['web', 'web', 'slack', 'teams'];
  const ids: string[] = [];
  const passwords: string[] = [];
  const plans: NewTurn[][] = [];
  for (let i = 0; i < o.conversations; i++) {
    const id = `${o.idPrefix ?? 'seed'}-${i.toString(36)}-${Math.floor(r() * 1e9).toString(36)}`;
    ids.push(id);
    const locale: Locale = r() < 0.7 ? 'ja' : 'en';
    const channel = pick(channels);
    const n = 3 + Math.floor(r() * 7);
    const start = o.nowMs - Math.floor(r() * span) - n * 60_000;
    const first = pick(m.phrases[locale].filter((p) => INTENTS.includes(p.intent)));
    const end: ConversationStatus = r() < 0.45 ? 'resolved' : r() < 0.5 ? 'escalated' : r() < 0.5 ? 'ended' : 'active';
    const secretAt = r() < 0.125 ? 1 + Math.floor(r() * (n - 1)) : -1;
    const raw = secretAt > 0 && r() < 0.2;
    const turns: NewTurn[] = [];
    for (let t = 0; t < n; t++) {
      const last = t === n - 1;
      const status: ConversationStatus = last ? end : 'active';
      const replies = [pick(m.replies[locale])];
      if (r() < 0.5) replies.push(pick(m.replies[locale]));
      const turn: NewTurn = {
        conversation: id,
        atMs: start + t * 60_000,
        channel,
        userId: `u-${i}`,
        ...(r() < 0.5 ? { userName: pick(['佐藤', '鈴木', 'Tanaka', 'Smith', 'Lee', '高橋']) } : {}),
        locale,
        node: pick(m.nodes),
        status,
        replies: replies.map((x) => ({ key: x.key, text: redact(x.text).text })),
        events: last && status === 'escalated' ? [{ type: 'ticket', id: `MM-${i.toString().padStart(6, '0')}`, intent: first.intent }] : [],
        durationMs: 5,
      };
      if (t === secretAt) {
        const pw = `Zq${Math.floor(r() * 1e8).toString(36)}7!x${i}`;
        passwords.push(pw);
        const line = PASSWORD_LINES[locale](pw);
        turn.text = raw ? line : redact(line).text;
        turn.intent = 'error_auth' as Intent;
      } else if (t === 0 || r() < 0.75) {
        const p = t === 0 ? first : pick(m.phrases[locale]);
        turn.text = redact(p.text).text;
        turn.intent = p.intent;
        turn.confidence = 0.5 + r() / 2;
      } else turn.action = pick(['resolved', 'not_resolved', 'skip', 'human']);
      turns.push(turn);
    }
    plans.push(turns);
  }
  let written = 0;
  const workers = Array.from({ length: Math.max(1, o.concurrency ?? 32) }, async (_, w) => {
    for (let i = w; i < plans.length; i += Math.max(1, o.concurrency ?? 32)) {
      for (const t of plans[i] as NewTurn[]) {
        await store.append(t);
        written++;
      }
    }
  });
  await Promise.all(workers);
  return { ids, passwords, turns: written };
}
