/**
 * Incident stores. Redis layout (prefix <p>):
 *   <p>:incidents                HASH id → Incident JSON (trimmed to the most recent MAX_KEPT on open)
 *   <p>:incident:hold:<sig>      STRING incident id, SET NX PX: the one incident per signature, across replicas;
 *                                kept while reports continue, so a dismissed incident is not re-opened by the same burst
 */
import type { RedisConnection } from '../state/redis.js';
import type { Incident, IncidentStore } from './types.js';

/** Most incidents kept. */
export const MAX_KEPT = 200;

const byRecent = (a: Incident, b: Incident) => b.openedAtMs - a.openedAtMs;

export class MemoryIncidentStore implements IncidentStore {
  readonly #items = new Map<string, Incident>();
  readonly #holds = new Map<string, { id: string; untilMs: number }>();
  readonly #clock: () => number;
  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }
  async open(incident: Incident, holdMs: number): Promise<boolean> {
    if ((await this.holder(incident.signature)) !== undefined) return false;
    this.#holds.set(incident.signature, { id: incident.id, untilMs: this.#clock() + holdMs });
    this.#items.set(incident.id, structuredClone(incident));
    const old = [...this.#items.values()].sort(byRecent).slice(MAX_KEPT);
    for (const o of old) this.#items.delete(o.id);
    return true;
  }
  async holder(signature: string): Promise<string | undefined> {
    const h = this.#holds.get(signature);
    if (!h) return undefined;
    if (h.untilMs <= this.#clock()) {
      this.#holds.delete(signature);
      return undefined;
    }
    return h.id;
  }
  async save(incident: Incident, holdMs?: number): Promise<void> {
    this.#items.set(incident.id, structuredClone(incident));
    if (holdMs !== undefined) this.#holds.set(incident.signature, { id: incident.id, untilMs: this.#clock() + holdMs });
  }
  async get(id: string): Promise<Incident | undefined> {
    const i = this.#items.get(id);
    return i ? structuredClone(i) : undefined;
  }
  async list(): Promise<Incident[]> {
    return [...this.#items.values()].map((i) => structuredClone(i)).sort(byRecent);
  }
}

export class RedisIncidentStore implements IncidentStore {
  readonly #conn: RedisConnection;
  constructor(conn: RedisConnection) {
    this.#conn = conn;
  }
  get #hash() {
    return `${this.#conn.keys.prefix}:incidents`;
  }
  #hold(signature: string) {
    return `${this.#conn.keys.prefix}:incident:hold:${signature}`;
  }
  async open(incident: Incident, holdMs: number): Promise<boolean> {
    const won = await this.#conn.run('incident open', (c) => c.set(this.#hold(incident.signature), incident.id, { NX: true, PX: Math.max(1, Math.round(holdMs)) }));
    if (won !== 'OK') return false;
    await this.#conn.run('incident save', (c) => c.hSet(this.#hash, incident.id, JSON.stringify(incident)));
    const all = await this.list();
    const old = all.slice(MAX_KEPT).map((i) => i.id);
    if (old.length) await this.#conn.run('incident trim', (c) => c.hDel(this.#hash, old));
    return true;
  }
  async holder(signature: string): Promise<string | undefined> {
    const v = await this.#conn.run('incident holder', (c) => c.get(this.#hold(signature)));
    return typeof v === 'string' ? v : undefined;
  }
  async save(incident: Incident, holdMs?: number): Promise<void> {
    await this.#conn.run('incident save', (c) => c.hSet(this.#hash, incident.id, JSON.stringify(incident)));
    if (holdMs !== undefined) {
      await this.#conn.run('incident hold', (c) => c.set(this.#hold(incident.signature), incident.id, { PX: Math.max(1, Math.round(holdMs)) }));
    }
  }
  async get(id: string): Promise<Incident | undefined> {
    const v = await this.#conn.run('incident get', (c) => c.hGet(this.#hash, id));
    return typeof v === 'string' ? (JSON.parse(v) as Incident) : undefined;
  }
  async list(): Promise<Incident[]> {
    const all = (await this.#conn.run('incident list', (c) => c.hGetAll(this.#hash))) as Record<string, string>;
    return Object.values(all)
      .map((v) => JSON.parse(v) as Incident)
      .sort(byRecent);
  }
}
