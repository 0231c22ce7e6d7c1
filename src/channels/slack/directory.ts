/**
 * Who the requester is and where the thread lives, for the ticket: display names (users.info, with the user's
 * locale) and thread permalinks (chat.getPermalink), cached so a busy conversation asks Slack once. A failed
 * look-up leaves the field empty rather than delaying or failing the turn.
 */
import type { webApi } from '@slack/bolt';
import type { Locale, Logger } from '../../core/index.js';

type WebClient = webApi.WebClient;

export interface Profile {
  name?: string;
  /** From the user's Slack language ('ja-JP' → 'ja'); absent for other languages. */
  locale?: Locale;
}

/** A small TTL cache with a size cap (oldest entries go first). */
class Cache<T> {
  readonly #map = new Map<string, { value: T; expiresAtMs: number }>();
  constructor(
    readonly ttlMs: number,
    readonly max: number,
  ) {}
  get(key: string): T | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.expiresAtMs <= Date.now()) {
      this.#map.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: T): void {
    if (this.#map.size >= this.max) this.#map.delete(this.#map.keys().next().value as string);
    this.#map.set(key, { value, expiresAtMs: Date.now() + this.ttlMs });
  }
}

export interface Directory {
  profile(userId: string): Promise<Profile>;
  /** Permalink of a message (the thread root, or the first message of a DM conversation). */
  permalink(conversationId: string, channel: string, messageTs: string): Promise<string | undefined>;
}

export function createDirectory(client: WebClient, logger: Logger): Directory {
  // Names change rarely; an hour keeps users.info far below its rate limit (Tier 4) in a busy workspace.
  const profiles = new Cache<Profile>(3_600_000, 10_000);
  const links = new Cache<string>(86_400_000, 10_000);
  return {
    async profile(userId) {
      const hit = profiles.get(userId);
      if (hit) return hit;
      try {
        const res = await client.users.info({ user: userId, include_locale: true });
        const u = res.user;
        const name = u?.profile?.display_name || u?.real_name || u?.name || undefined;
        const lang = (u?.locale ?? '').slice(0, 2);
        const profile: Profile = { name, locale: lang === 'ja' || lang === 'en' ? lang : undefined };
        profiles.set(userId, profile);
        return profile;
      } catch (e) {
        logger.warn({ err: (e as { data?: { error?: string } }).data?.error ?? (e as Error).message }, 'users.info failed; continuing without a name');
        return {};
      }
    },
    async permalink(conversationId, channel, messageTs) {
      const hit = links.get(conversationId);
      if (hit) return hit;
      try {
        const res = await client.chat.getPermalink({ channel, message_ts: messageTs });
        if (res.permalink) links.set(conversationId, res.permalink);
        return res.permalink;
      } catch (e) {
        logger.warn({ err: (e as { data?: { error?: string } }).data?.error ?? (e as Error).message }, 'chat.getPermalink failed; continuing without a link');
        return undefined;
      }
    },
  };
}
