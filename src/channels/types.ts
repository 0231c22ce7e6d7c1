/**
 * What a channel gives the composition root (src/main.ts), which does all the wiring: the routes it mounts on the
 * one HTTP server, how to reach its people outside a turn, and — for a channel with a help-desk channel configured —
 * its help desk. A channel never registers itself anywhere.
 */
import type { ChannelName, Reply } from '../core/index.js';
import type { Notifier } from '../handoff/notifier.js';
import type { HelpDesk } from '../helpdesk/desk.js';
import type { HttpMount } from '../http/types.js';

/** Sends bot messages into a conversation outside a turn (ticket news, staff replies); false when it could not. */
export type ProactiveSender = (conversationId: string, replies: Reply[]) => Promise<boolean>;

export interface ChannelParts {
  mount: HttpMount;
  /** Reaches this channel's people outside a turn (the ticket filed / delivered, help-desk staff's messages). */
  sender?: { channel: ChannelName; send: ProactiveSender };
  /** Hears about every escalation (a help-desk channel); the same as `desk.notifier` when there is a desk. */
  notifier?: Notifier;
  /** The channel's help desk: relays the turns of conversations its staff hold. */
  desk?: HelpDesk;
}
