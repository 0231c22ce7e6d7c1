/**
 * Transcripts: what help-desk staff read on the review page and export. One entry per pipeline turn holds both
 * directions — what the user sent (redacted) and what the bot answered — with what the bot understood.
 * A per-conversation summary is kept beside the entries so the list, filters and analytics never have to read
 * every transcript.
 */
import type { Act, ChannelName, ConversationStatus, Entities, ErrorCode, FollowUpKind, Intent, Locale, StepResult, TurnFile } from '../core/index.js';
import type { RedactionKind } from '../core/redact.js';

/** A status change or staff action recorded in a conversation's transcript. */
export type TranscriptEvent =
  | { type: 'status'; from: ConversationStatus; to: ConversationStatus }
  | { type: 'ticket'; id: string; /** The ticket's symptom intent (Ticket.intent). */ intent?: Intent; /** The open incident it was filed under. */ incident?: string }
  /** A follow-up (「直った」, details after filing) added to the ticket; its delivery state is the outbox's (`id`). */
  | { type: 'follow_up'; id: string; ticket: string; kind: FollowUpKind }
  | { type: 'taken_over'; by?: string }
  /** Staff gave the conversation back to the bot. */
  | { type: 'handed_back'; by?: string }
  /**
   * A message the person received outside a turn (the ticket filed or delivered, a staff reply from /admin or a
   * help desk), redacted. `by` names the staff member when staff wrote it.
   */
  | { type: 'sent'; key: string; text: string; by?: string }
  /** An internal note by staff: never sent to the person. Redacted like everything else. */
  | { type: 'note'; text: string; by?: string }
  /** The conversation was assigned to (claimed by) a staff member; no `to` = unassigned. */
  | { type: 'assigned'; to?: string; by?: string }
  /** Staff review state of the conversation. */
  | { type: 'review'; state: StaffReview; by?: string };

/** Where staff review of a conversation stands (besides its outcome). */
export const STAFF_REVIEWS = ['needs_review', 'reviewed'] as const;
export type StaffReview = (typeof STAFF_REVIEWS)[number];

/** One bot message as it was shown (text redacted like the user's). */
export interface TranscriptReply {
  /** Locale key it was rendered from. */
  key: string;
  text: string;
  choices?: Array<{ label: string; value: string }>;
}

/** One turn of a conversation: the user's message and the bot's answer. */
export interface TranscriptTurn {
  /** Position in the conversation, 1-based, unique per conversation (annotations refer to it). */
  seq: number;
  conversation: string;
  /** When the pipeline started the turn, ms since epoch. */
  atMs: number;
  channel: ChannelName;
  userId: string;
  userName?: string;
  locale?: Locale;
  /** What the user typed, cleaned and REDACTED. Absent for a click. */
  text?: string;
  /**
   * The files or screenshots sent with the message (name REDACTED, media type), one entry per file, `{}` when the
   * channel gave neither. Absent when none came (and in turns recorded before it was kept).
   */
  files?: TurnFile[];
  /** Value of a clicked choice. */
  action?: string;
  /** The label of the clicked choice, found in the previous turn's replies. */
  actionLabel?: string;
  /** What the NLU understood (typed text only). */
  intent?: Intent | null;
  /** Calibrated probability of `intent`, 0–1. */
  confidence?: number;
  entities?: Entities;
  /** The runner-up intents, best first (at most 3). */
  ranking?: Array<{ intent: Intent; confidence: number }>;
  /**
   * The two-stage fallback: symptoms offered for an uncertain mail message (「〜ということでしょうか？」), and on the
   * click that answered it the choice (`none` = 「どれでもない」) — the turn before it holds the text to label.
   */
  clarification?: { offered: Intent[]; chosen?: Intent | 'none' };
  /**
   * The symptom the conversation was on after this turn (the engine's branch): also set when a button chose it (the
   * menu's [受信できない], a clarification choice), which the turn's `intent` does not tell. Absent in turns recorded
   * before it was kept.
   */
  symptom?: Intent;
  /**
   * The carrier, mail service and device the conversation knew after this turn — also when a button chose them, which
   * `entities` (the NLU's, typed text only) does not tell. Absent in turns recorded before it was kept.
   */
  known?: Pick<Entities, 'carrier' | 'service' | 'device'>;
  /**
   * What the bot read a typed reply as at the node on screen (the reply act the policy decided with: 「もういいです」 →
   * give_up, "never mind" → give_up), beside `intent`, the symptom model's reading of the same text. Absent for clicks,
   * for text read as no reply act, and in turns recorded before it was kept.
   */
  reading?: { act: Act; confidence: number };
  /** The turn policy's rule that acted on the text (give_up, answer_at_node, clarify …). */
  rule?: string;
  /** Node the conversation was waiting at before this turn ('' before the first question). */
  nodeBefore: string;
  /** Node waiting for the user's answer after the turn. */
  node: string;
  status: ConversationStatus;
  replies: TranscriptReply[];
  /** Status changes and the ticket filed in this turn. */
  events: TranscriptEvent[];
  /** Set when the turn failed (the user then got a polite pipeline.* reply). */
  error?: { code: ErrorCode };
  /** What redaction masked in this turn's texts. */
  redacted?: RedactionKind[];
  /**
   * The steps the person had tried after this turn, in order, with their results (the engine's list, the ticket's
   * 実施手順と結果): what the conversation page shows as "steps tried". Absent when there were none yet (or in turns
   * recorded before it was kept).
   */
  steps?: Array<{ node: string; result: StepResult }>;
  /** Time the turn took, ms. */
  durationMs: number;
}

/** Statuses staff filter by: the conversation statuses plus `abandoned` (active but idle too long). */
export const REVIEW_STATUSES = ['active', 'resolved', 'escalated', 'ended', 'abandoned'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/**
 * What a conversation came to, for analytics — by what it EVER reached, not its last status: `resolved` once it
 * reached 解決しました (even if the person said something after), else `escalated` once a ticket was filed or a
 * person asked for, else `abandoned` (idle past the abandon time while active), `contained` (the bot ended it
 * without a fix and without a person), or `active` (still going).
 */
export const OUTCOMES = ['resolved', 'escalated', 'abandoned', 'contained', 'active'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Everything the list and the analytics need about one conversation, updated on every turn. */
export interface ConversationSummary {
  id: string;
  channel: ChannelName;
  userId: string;
  userName?: string;
  locale?: Locale;
  startedAtMs: number;
  updatedAtMs: number;
  /** Turns recorded (= the last seq). */
  turns: number;
  status: ConversationStatus;
  /** Current node. */
  node: string;
  /** Nodes visited, in order, consecutive repeats collapsed (at most PATH_MAX; the end is kept). */
  path: string[];
  /** The first symptom intent (error_* / howto_* / mail_not_arriving / migration_* / check_outage). */
  symptom?: Intent;
  /**
   * The symptom the conversation ended on: the engine's branch after the latest turn that had one (TranscriptTurn.symptom)
   * — the corrected symptom after 「いや、全部のメールが届かないです」, the menu's choice after 「どれでもない」. The list's
   * symptom filter and the analytics count it (analyticsSymptom). `null` when the bot declined to act on the symptom
   * model's reading (summary.ts UNCONFIRMED_SYMPTOM_RULES: a vague first message shown the menu, a guess asked back with
   * 「…ということでしょうか？」) and the engine has been on no symptom since: such a conversation counts under the ticket's
   * symptom if one was filed, else under none — not under the reading the bot did not act on (or the person turned down).
   * Absent while there is neither, and in summaries recorded before round 29 (they count the ticket's symptom, else
   * `symptom`).
   */
  lastSymptom?: Intent | null;
  /**
   * Every intent the bot understood, once each: the NLU's intent of each turn, except a reply read by its reply act at
   * the bot's question, which counts as the act's intent if it stands for one (affirm, deny, resolved …) and else as none
   * (「もういいです」 read give_up adds no affirm; since round 21 — summaries recorded before keep the NLU's intent).
   */
  intents: Intent[];
  /** Every reply act the bot read at its questions (TranscriptTurn.reading), once each; absent when none (or recorded before round 21). */
  acts?: Act[];
  carrier?: string;
  service?: string;
  device?: string;
  ticketId?: string;
  /** Turns that failed. */
  errors: number;
  /** Turns the bot understood as out_of_scope (a reply read by its act is not one: understoodIntent). */
  misses: number;
  /** Annotations on this conversation. */
  annotations: number;
  /** First time the conversation reached `resolved` (it may go on afterwards: the outcome stays resolved). */
  resolvedAtMs?: number;
  /** First time the conversation reached `escalated` (a ticket or a person). */
  escalatedAtMs?: number;
  /** The symptom intent of the ticket filed, when there is one (it wins over `symptom` in analytics). */
  ticketSymptom?: Intent;
  /** Turns per node the person answered at (the turn's `nodeBefore`; '' = before the first question). */
  nodeTurns?: Record<string, number>;
  /** Fallback turns (src/transcripts/fallback.ts) per node the person answered at. */
  nodeFallbacks?: Record<string, number>;
  /**
   * Nodes the person left by correcting the step's premise (the turn policy's `reroute` rule acted on a reply answered there:
   * 「いや、全部のメールが届かないです」 at the junk-folder step), once each, in order. The funnel's `rerouted`. Absent when
   * none (and in summaries recorded before round 29).
   */
  reroutedAt?: string[];
  /**
   * What the person already tried, with the results, as of the latest turn that had a list (TranscriptTurn.steps: the
   * engine's list, the ticket's 実施手順と結果) — so the list's rows (the waiting hand-offs) say it without opening each
   * conversation. Since round 31 (staff-32); absent when none yet and in summaries recorded before (the conversation page
   * still reads the turns).
   */
  steps?: Array<{ node: string; result: StepResult }>;
  /** The last take-over by staff (a past fact once `handedBack` is later: see heldByStaff). */
  takenOver?: { atMs: number; by?: string };
  /** The last hand-back to the bot. */
  handedBack?: { atMs: number; by?: string };
  /** Staff member the conversation is assigned to (claimed by). */
  assignee?: string;
  /** Staff review state (absent: not looked at yet). */
  staffReview?: StaffReview;
  /**
   * When staff last marked it 確認済み / reviewed: the turns recorded then (`turns`) and by whom (since round 31). A hand-off
   * nobody holds, marked reviewed with no turn of the person's since, is handled (holderOf `handled`): off the waiting list.
   * Absent after 要確認 and in summaries recorded before round 31.
   */
  reviewed?: { turn: number; by?: string };
  /** Internal staff notes on the conversation. */
  notes?: number;
  /** Staff messages sent to the person from a desk or /admin. */
  staffMessages?: number;
  /** The first user text (redacted, cut to PREVIEW_CHARS), for the list. */
  preview?: string;
}

/** A staff correction: the bot misread this turn; `intent` is what the user meant. */
export interface Annotation {
  conversation: string;
  seq: number;
  /** The right intent (the predicted one when staff only corrected something else). */
  intent: Intent;
  /** The right dialog act of a click or answer (the choice value the person meant), when staff corrected it. */
  act?: string;
  /**
   * A reply to the bot's question: the reply act the text means there (「もういいです」 → give_up). Its phrase trains the
   * act model (intents/<locale>/acts/<act>.yaml), not an intent file — the reply was read by its act, not its intent.
   */
  replyAct?: Act;
  /** Entities as staff say they are (corrected or added): name → value; '' = the NLU found one that is not there. */
  entities?: Record<string, string>;
  /** The answer at this node was wrong for the person (e.g. iPhone steps to an iPad user), with why. */
  flag?: { node: string; note?: string };
  /**
   * The phrase goes into training (intents/<locale>/<intent>.yaml, the held-in corpus) on export. Absent: true
   * (an intent correction is a training phrase); staff set it false to correct without training.
   */
  train?: boolean;
  /** What the bot understood at the time. */
  predicted?: Intent | null;
  /**
   * The reply act the bot read at the time (the turn's `reading`), for a reply to its question: /admin/improve's accuracy
   * counts a reply correction (`replyAct`) by this act, not by `predicted` (「もういいです」 read give_up is a hit when staff
   * confirm give_up, a miss when they say still_broken — whatever its intent). Absent on annotations made before round 21.
   */
  predictedAct?: Act | null;
  /** The node the person answered at (the turn's `nodeBefore`): the place the current act model reads the reply again. */
  nodeBefore?: string;
  /** The user's (redacted) text, kept here so the correction survives the transcript's retention. */
  text: string;
  locale: Locale;
  note?: string;
  /** Who annotated (free text from the form; the token does not identify a person). */
  by?: string;
  atMs: number;
}

/** Filters of the list, the CLI and the exports. Every field is optional; all given ones must hold. */
export interface ConversationFilter {
  /** Started at or after, ms since epoch. */
  fromMs?: number;
  /** Started before, ms since epoch. */
  toMs?: number;
  status?: ReviewStatus;
  /** Matches the symptom or any intent seen. */
  intent?: Intent;
  carrier?: string;
  /** The device the conversation knew (summary `device`: iphone, ipad, android, mac, windows — the entity's values). Since round 33. */
  device?: string;
  channel?: ChannelName;
  /** Case-insensitive substring of any user or bot text, or the conversation id, ticket id or user. */
  text?: string;
  /** Only conversations with annotations. */
  annotated?: boolean;
  /** Conversations with this outcome (see OUTCOMES). */
  outcome?: Outcome;
  /**
   * Conversations whose analytics symptom is this: the symptom they ended on (`lastSymptom`; for summaries recorded
   * before round 29 the ticket's, else the first symptom intent).
   */
  symptom?: Intent;
  /** Conversations that reached this node. */
  node?: string;
  /**
   * Conversations the funnel counts in this column (query.ts FUNNEL_COLUMNS: left, gave_up, escalated, handed_over,
   * resolved, ended, rerouted, finished, open) — at `node` when given, else at any node: the people behind one count of the
   * funnel. Since round 29; `open` (still open, standing at that node) since round 37.
   */
  funnel?: 'left' | 'gave_up' | 'escalated' | 'handed_over' | 'resolved' | 'ended' | 'rerouted' | 'finished' | 'open';
  /**
   * Who holds it (summary.ts holderOf): `nobody` = no staff member assigned to it or holding it taken over, nor marked it
   * 確認済み with no turn since (handled; since round 31) (with
   * status `escalated`: the hand-offs waiting for a person); `staff` = someone does.
   */
  holder?: Holder;
  /**
   * Conversations a lead reads again (query.ts againOf; since round 31): `came_back` = it reached 解決しました and the person
   * wrote again after it (a step other than the resolve node's own checklist and goodbye), or — since round 33 — came back
   * in a new conversation on the same symptom within CAME_BACK_DAYS (7) days (query.ts cameBackAcross); `asked_twice` = the person
   * answered the same question or step twice or more (the bot asked it again: not understood, a how-to, a loop back).
   */
  again?: Again;
}

/** The `again` filter's values (ConversationFilter.again). */
export const AGAINS = ['came_back', 'asked_twice'] as const;
export type Again = (typeof AGAINS)[number];

/** The holder filter's values (ConversationFilter.holder). */
export const HOLDERS = ['nobody', 'staff'] as const;
export type Holder = (typeof HOLDERS)[number];

export interface Page<T> {
  items: T[];
  total: number;
  /** 1-based. */
  page: number;
  pageSize: number;
  pages: number;
}

/**
 * Where transcripts live: memory (one process) or Redis (shared by replicas and the CLI).
 * Implementations are tested by one contract suite (test/transcripts/contract.ts).
 */
export interface TranscriptStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Appends one turn (its `seq` is assigned here) and updates the conversation's summary. The text must
   * already be redacted — the observer does it. Returns the stored turn.
   */
  append(turn: Omit<TranscriptTurn, 'seq' | 'events' | 'nodeBefore'> & { events?: TranscriptEvent[] }): Promise<TranscriptTurn>;
  /** Records a staff action (taken over) on the conversation. False when the conversation is unknown. */
  addEvent(conversationId: string, event: TranscriptEvent, atMs: number): Promise<boolean>;
  summary(conversationId: string): Promise<ConversationSummary | undefined>;
  /** Turns of one conversation in order (at most the cap most recent ones). */
  turns(conversationId: string): Promise<TranscriptTurn[]>;
  /**
   * Summaries of conversations active since `sinceMs` (all when absent), most recent first. The caller filters;
   * the store only narrows by time using its index.
   */
  summaries(sinceMs?: number): Promise<ConversationSummary[]>;
  /**
   * The text search's index (search.ts): which of `candidates` hold the folded needle in a text of their transcript —
   * exactly the conversations a read of every transcript finds. Undefined (or absent: the memory store) when the store
   * cannot answer from an index now; the caller then reads the transcripts.
   */
  textSearch?(needle: string, candidates: Array<{ id: string; turns: number }>): Promise<Set<string> | undefined>;
  /** Saves (or replaces) the annotation of one turn. False when the turn does not exist. */
  annotate(annotation: Omit<Annotation, 'text' | 'locale' | 'predicted' | 'predictedAct' | 'nodeBefore'>): Promise<Annotation | undefined>;
  /** Removes the annotation of one turn. */
  unannotate(conversationId: string, seq: number): Promise<boolean>;
  annotations(conversationId: string): Promise<Annotation[]>;
  /** Every annotation kept (for export --corrections), oldest first. */
  allAnnotations(): Promise<Annotation[]>;
  /**
   * Erases a conversation's transcript, summary and annotations (a personal-data request). True when there was one.
   */
  erase(conversationId: string): Promise<boolean>;
  /**
   * Rewrites a conversation's stored texts through `rewrite` (re-redaction on request). False when unknown.
   */
  rewrite(conversationId: string, rewrite: (turn: TranscriptTurn) => TranscriptTurn): Promise<boolean>;
  close(): Promise<void>;
}

/** Store tuning (defaults in brackets). */
export interface TranscriptStoreOptions {
  /** Days a transcript is kept after its last turn (TRANSCRIPT_RETENTION_DAYS) [90]. */
  retentionDays?: number;
  /** Most turns kept per conversation; older ones are trimmed [1,000]. */
  maxTurns?: number;
  /**
   * Memory store only: most conversations kept; past it the least recently active one is dropped, so a long-running
   * memory-mode process stays bounded. Default 5,000. (Redis is bounded by retention and its own memory policy.)
   */
  maxConversations?: number;
  /** Clock, ms since epoch (memory expiry, tests) [Date.now]. */
  clock?: () => number;
}

/** Longest path kept in a summary. */
export const PATH_MAX = 200;
/** Characters of the first user text kept as the list preview. */
export const PREVIEW_CHARS = 120;
/** Longest staff note on an annotation, characters. */
export const NOTE_MAX = 500;
