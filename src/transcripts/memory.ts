/**
 * Transcripts in the process's memory: the default when no Redis is configured. Nothing is shared with other
 * processes (the `mailmedic transcripts` CLI cannot see them) and everything is gone on restart.
 */
import { adoptLateEvents, applyEvent, applyTurn, preview, type NewTurn } from './summary.js';
import { actedReading } from './fallback.js';
import type {
  Annotation,
  ConversationSummary,
  TranscriptEvent,
  TranscriptStore,
  TranscriptStoreOptions,
  TranscriptTurn,
} from './types.js';

interface Entry {
  summary: ConversationSummary;
  turns: TranscriptTurn[];
  notes: Map<number, Annotation>;
  /** Events recorded since the last turn (attached to it until the next turn shows whether they happened during that one). */
  late: Array<{ event: TranscriptEvent; atMs: number }>;
}

const DAY_MS = 86_400_000;

export class MemoryTranscriptStore implements TranscriptStore {
  readonly kind = 'memory' as const;
  readonly #data = new Map<string, Entry>();
  readonly #retentionMs: number;
  readonly #maxTurns: number;
  readonly #maxConversations: number;
  readonly #clock: () => number;

  constructor(options: TranscriptStoreOptions = {}) {
    this.#retentionMs = (options.retentionDays ?? 90) * DAY_MS;
    this.#maxTurns = options.maxTurns ?? 1_000;
    this.#maxConversations = options.maxConversations ?? 5_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** The entry, unless retention has passed since its last turn (then it is dropped). */
  #live(id: string): Entry | undefined {
    const e = this.#data.get(id);
    if (!e) return undefined;
    if (e.summary.updatedAtMs + this.#retentionMs <= this.#clock()) {
      this.#data.delete(id);
      return undefined;
    }
    return e;
  }

  async append(input: NewTurn): Promise<TranscriptTurn> {
    const e = this.#live(input.conversation);
    const { summary, turn } = applyTurn(e?.summary, input);
    const entry: Entry = e ?? { summary, turns: [], notes: new Map(), late: [] };
    entry.summary = summary;
    const stored = structuredClone(turn);
    adoptLateEvents(entry.turns[entry.turns.length - 1], stored, entry.late);
    entry.late = [];
    entry.turns.push(stored);
    if (entry.turns.length > this.#maxTurns) entry.turns.splice(0, entry.turns.length - this.#maxTurns);
    // Re-inserting keeps the Map in order of last activity, so the first key is the least recently active.
    this.#data.delete(input.conversation);
    this.#data.set(input.conversation, entry);
    while (this.#data.size > this.#maxConversations) {
      const oldest = this.#data.keys().next().value;
      if (oldest === undefined) break;
      this.#data.delete(oldest);
    }
    return turn;
  }

  async addEvent(conversationId: string, event: TranscriptEvent, atMs: number): Promise<boolean> {
    const e = this.#live(conversationId);
    if (!e) return false;
    e.summary = applyEvent(e.summary, event, atMs);
    const last = e.turns[e.turns.length - 1];
    if (last) {
      last.events.push(event);
      e.late.push({ event, atMs });
    }
    return true;
  }

  async summary(conversationId: string): Promise<ConversationSummary | undefined> {
    const e = this.#live(conversationId);
    return e ? structuredClone(e.summary) : undefined;
  }

  async turns(conversationId: string): Promise<TranscriptTurn[]> {
    return structuredClone(this.#live(conversationId)?.turns ?? []);
  }

  async summaries(sinceMs?: number): Promise<ConversationSummary[]> {
    const out: ConversationSummary[] = [];
    for (const id of [...this.#data.keys()]) {
      const e = this.#live(id);
      if (e && (sinceMs === undefined || e.summary.updatedAtMs >= sinceMs)) out.push(structuredClone(e.summary));
    }
    return out.sort((a, b) => b.updatedAtMs - a.updatedAtMs);
  }

  async annotate(a: Omit<Annotation, 'text' | 'locale' | 'predicted' | 'predictedAct' | 'nodeBefore'>): Promise<Annotation | undefined> {
    const e = this.#live(a.conversation);
    const turn = e?.turns.find((t) => t.seq === a.seq);
    if (!e || !turn || (turn.text === undefined && a.act === undefined && a.flag === undefined)) return undefined;
    const full: Annotation = {
      ...a,
      text: turn.text ?? '',
      locale: turn.locale ?? e.summary.locale ?? 'ja',
      predicted: turn.intent ?? null,
      predictedAct: actedReading(turn)?.act ?? null,
      nodeBefore: turn.nodeBefore,
    };
    e.notes.set(a.seq, full);
    e.summary.annotations = e.notes.size;
    return structuredClone(full);
  }

  async unannotate(conversationId: string, seq: number): Promise<boolean> {
    const e = this.#live(conversationId);
    if (!e || !e.notes.delete(seq)) return false;
    e.summary.annotations = e.notes.size;
    return true;
  }

  async annotations(conversationId: string): Promise<Annotation[]> {
    const e = this.#live(conversationId);
    return e ? [...e.notes.values()].sort((x, y) => x.seq - y.seq).map((n) => structuredClone(n)) : [];
  }

  async allAnnotations(): Promise<Annotation[]> {
    const out: Annotation[] = [];
    for (const id of [...this.#data.keys()]) out.push(...(await this.annotations(id)));
    return out.sort((x, y) => x.atMs - y.atMs);
  }

  async erase(conversationId: string): Promise<boolean> {
    return this.#data.delete(conversationId);
  }

  async rewrite(conversationId: string, rewrite: (turn: TranscriptTurn) => TranscriptTurn): Promise<boolean> {
    const e = this.#live(conversationId);
    if (!e) return false;
    e.turns = e.turns.map((t) => rewrite(structuredClone(t)));
    const first = e.turns.find((t) => t.text);
    if (first?.text) e.summary.preview = preview(first.text);
    return true;
  }

  async close(): Promise<void> {}
}
