/**
 * The core vocabulary of mailmedic. Imports nothing from src/ but the data generated from domain.yaml (intents,
 * entity values): every other folder depends on this one, and no Slack, Bot Framework or Redis type may appear here.
 */

export const LOCALES = ['ja', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const CHANNELS = ['slack', 'teams', 'web', 'cli'] as const;
export type ChannelName = (typeof CHANNELS)[number];

import { ACT_DEFS, ENTITY_VALUES, INTENT_ROLE } from './domain.generated.js';

export { ACT_DEFS, ENTITY_VALUES, INTENT_ROLE };

/** A reply act (domain.yaml `acts`): what a reply to the bot's own question does. */
export type Act = keyof typeof ACT_DEFS;
/** Reply acts counted per node kind (NluResult.actPrior): kind → act → count. */
export type ActPrior = Readonly<Record<string, Readonly<Partial<Record<Act, number>>>>>;
export const ACTS = Object.keys(ACT_DEFS) as [Act, ...Act[]];

/** Intent ids — a public contract (design.md § Intents), generated from domain.yaml. Order is the model's label order. */
export type Intent = keyof typeof INTENT_ROLE;
export const INTENTS = Object.keys(INTENT_ROLE) as [Intent, ...Intent[]];
/** The role of an intent in domain.yaml: error, topic, small_talk, answer, control, out_of_scope. */
export type IntentRole = (typeof INTENT_ROLE)[Intent];

const withRole = (...roles: IntentRole[]) => new Set<Intent>(INTENTS.filter((i) => roles.includes(INTENT_ROLE[i])));

/** Intents whose message is itself an error report (the message is kept verbatim as the ticket's エラー表示). */
export const ERROR_INTENTS: ReadonlySet<Intent> = withRole('error');

/** Intents that name a problem or a topic to walk through (what "top symptoms" counts): errors plus how-tos. */
export const SYMPTOM_INTENTS: ReadonlySet<Intent> = withRole('error', 'topic');

/** Entity values — a public contract (design.md § Entities), generated from domain.yaml. */
export type EntityName = keyof typeof ENTITY_VALUES | 'os_version';
export type Carrier = (typeof ENTITY_VALUES.carrier)[number];
export type Service = (typeof ENTITY_VALUES.service)[number];
export type Device = (typeof ENTITY_VALUES.device)[number];
export type Trigger = (typeof ENTITY_VALUES.trigger)[number];
export type ErrorMessageKind = (typeof ENTITY_VALUES.error_message)[number];

/** Entities found in one utterance. Absent entities are omitted (never null). */
export interface Entities {
  carrier?: Carrier;
  service?: Service;
  device?: Device;
  trigger?: Trigger;
  error_message?: ErrorMessageKind;
  /** As written by the user, e.g. "iOS 17.5". */
  os_version?: string;
}

/** What the NLU understood of one utterance. */
export interface NluResult {
  intent: Intent;
  /** Calibrated probability of `intent`, 0–1. */
  confidence: number;
  entities: Entities;
  /** Language the text is written in (script-based guess). */
  locale: Locale;
  /** Top candidates, best first (intent before the out-of-scope rule was applied is ranking[0]). */
  ranking: Array<{ intent: Intent; confidence: number }>;
  /**
   * The domain detector's probability (0–1) that the message is about mail at all, apart from which symptom it is
   * (src/nlu/engine.ts). Absent from results not made by the classifier (tests, fixtures).
   */
  aboutMail?: number;
  /**
   * About mail but the symptom is uncertain: the 2–3 likeliest symptoms, best first (`intent` is the first). The
   * engine asks 「〜ということでしょうか？」 with them as buttons (two-stage fallback).
   */
  clarify?: Intent[];
  /**
   * `clarify` is there only because the likeliest symptom is close to the next one (the margin of the two-stage rule),
   * not because it is unsure or was rescued from out of scope: the engine may walk when every offered symptom walks
   * the same way (policy.ts clarify_symptom).
   */
  clarifyByMargin?: true;
  /**
   * Reply acts (domain.yaml `acts`), every act with its probability, best first — the act model's reading of the
   * whole text, and of each sentence for acts that hold anywhere (「担当者と話したい。iPhone 14 …」 wants a person).
   * Which of them count is the engine's choice, in the context of the node on screen (src/nlu/replies.ts).
   */
  acts?: Array<{ act: Act; confidence: number }>;
  /**
   * The reply acts of each segment of a long reply (a sentence, or a part before / after a contrast joint: 「…試した
   * ところ」「…けど」 | 「ダメでした」), in order, `contrast` when a contrast joint opens it; absent for a one-segment text.
   * The reading in context decides which segment counts (src/nlu/replies.ts).
   */
  segmentActs?: Array<{ contrast: boolean; acts: Array<{ act: Act; confidence: number }> }>;
  /**
   * How often each act came at each kind of node in the real replies (learned at build, src/nlu/act-prior.ts): the
   * reading in context weighs `acts` with the counts of the node's kind. One shared table, not per message.
   */
  actPrior?: ActPrior;
  /**
   * A reply shaped "not X but Y" (「一部じゃなくて全部来ない」, "I meant sending, not receiving"): Y, what the person
   * corrects to, analysed on its own (the engine's repair `reroute` reads it when the act is a correction).
   */
  corrected?: { text: string; intent: Intent; confidence: number; entities: Entities };
}

/** The NLU as the pipeline and engine see it. `analyse` is synchronous once `ready()` resolved. */
export interface Nlu {
  analyse(text: string, hint?: Locale): NluResult;
}

/** A button offered to the user. `value` is what comes back as `Turn.action`. */
export interface Choice {
  label: string;
  value: string;
}

/** One message from the bot, rendered. `key` is the locale key it was rendered from (tests assert on keys, not wording). */
export interface Reply {
  key: string;
  text: string;
  choices?: Choice[];
}

/**
 * A value a message fills into a `{name}` placeholder: text or a number as is, another message rendered in the
 * same language (a carrier's name, a step's title), a list joined by a separator, or a
 * reference to what only the end of the turn knows (the ticket id).
 */
export type MessageParam = string | number | Message | { join: MessageParam[]; separator: MessageParam } | { ref: 'ticket_id' };
export type MessageParams = Record<string, MessageParam | undefined>;

/** A message before rendering: a locale key and its parameters. The engine speaks in these; text is made once, at the end of the turn. */
export interface Message {
  key: string;
  params?: MessageParams;
}

/** A button before rendering: its label as a message, and the value it sends back. */
export interface MessageChoice extends Message {
  value: string;
}

/** One reply before rendering (the engine's output; `render()` in src/dialog turns it into a Reply). */
export interface ReplyMessage extends Message {
  choices?: MessageChoice[];
}

/** A file or image sent with a message, as its channel describes it (both fields as given, either may be missing). */
export interface TurnFile {
  /** The file name ("IMG_0123.PNG", "スクリーンショット.png"). */
  name?: string;
  /** The media type ("image/png") or the platform's file type ("png"). */
  type?: string;
}

/** One entry per file the turn carried: what its channel described, then `{}` for the rest of `attachments`. */
export function turnFiles(turn: Pick<Turn, 'attachments' | 'files'>): TurnFile[] {
  const files = [...(turn.files ?? [])];
  while (files.length < (turn.attachments ?? 0)) files.push({});
  return files;
}

/** A file as staff read it: 「IMG_0123.PNG (image/png)」, its name or its type alone, else `unnamed`. */
export function fileLabel(f: TurnFile, unnamed: string): string {
  if (f.name && f.type) return `${f.name} (${f.type})`;
  return f.name ?? f.type ?? unnamed;
}

/** One user turn, as every channel translates it. Exactly one of text / action is meaningful. */
export interface Turn {
  conversationId: string;
  channel: ChannelName;
  userId: string;
  userName?: string;
  text?: string;
  /**
   * How many files or images came with the message (a Slack file share, a Teams image or file). The bot reads text
   * only: a message of attachments alone is answered with a request to type the error, not "your message was empty".
   */
  attachments?: number;
  /**
   * What is known of those files — the name and media type the platform gave, never their content — so staff who hold
   * the conversation see that a screenshot was sent (the relay line, /admin). May list fewer than `attachments`.
   */
  files?: TurnFile[];
  /** The `value` of a clicked choice. */
  action?: string;
  /** Identifies the set of choices the click came from (Teams card data, Slack block_id); a stale one is refused. */
  nonce?: string;
  /** Locale the channel knows of (Slack/Teams user locale); the text's language still wins. */
  locale?: Locale;
  /** Platform delivery id (Slack event_id, Teams activity.id) for de-duplication. */
  eventId?: string;
  /** Link back to the conversation on its platform (Slack permalink …), for the ticket. */
  permalink?: string;
  /** Arrival time, ms since epoch. */
  receivedAtMs?: number;
}

export type ConversationStatus = 'active' | 'resolved' | 'escalated' | 'ended';
export type CauseAxis = 'auth' | 'network' | 'server' | 'unknown';
/**
 * What came of a step: `rerouted` — the person corrected the walk's premise at it (「いや、全部来ない」 at the junk-folder
 * step of "some mail is missing"): the step did not apply, and the walk went to the symptom they named.
 */
export type StepResult = 'resolved' | 'not_resolved' | 'skipped' | 'rerouted' | 'unknown';

export interface StepTried {
  /** Dialog node id of the step. */
  node: string;
  /** Locale key of the step's title; rendered in the conversation's language whenever a ticket or a reply shows it. */
  title?: string;
  /**
   * The step as rendered text. Only in states written before titles were kept as keys (and whose node is gone
   * from the tree): shown as it is. New entries always carry `title` instead.
   */
  step?: string;
  result: StepResult;
  atMs: number;
}

/** Current mail settings as reported by the user — never a password. */
export interface MailServerSettings {
  host?: string;
  port?: number;
  ssl?: boolean;
  auth?: string;
}

/** Structured ticket fields (design.md § The ticket object). Entity-valued fields use entity values. */
export interface TicketFields {
  device?: Device;
  /** Device model as the user wrote it, e.g. "iPhone 15". */
  model?: string;
  os?: string;
  service?: Service;
  carrier?: Carrier;
  /** Verbatim error text the user reported. */
  errorMessage?: string;
  occurredAt?: string;
  frequency?: string;
  stepsTried: Array<{ step: string; result: StepResult }>;
  settings: { incoming: MailServerSettings; outgoing: MailServerSettings };
}

export interface Ticket {
  id: string;
  conversation: string;
  channel: ChannelName;
  createdAt: string;
  requester: { id: string; name?: string };
  locale: Locale;
  intent: Intent;
  cause: CauseAxis;
  fields: TicketFields;
  summary: string;
  body: string;
  transcriptUrl: string;
  /** Link to the conversation on its platform, when known. */
  permalink?: string;
  /**
   * The open incident (src/incidents) whose carrier/service and symptom this ticket shares, when one was open
   * while it was filed (e.g. INC-20261204-3f9a): staff can answer such tickets together.
   */
  incident?: string;
}

/**
 * An open incident as the dialog engine sees it (StepMeta.incidents): many people report the same symptom on the
 * same carrier or service right now. The engine stays pure: the pipeline passes the open ones in with the turn.
 */
export interface IncidentFact {
  id: string;
  /** The symptom intent reported (error_server_timeout …). */
  symptom: Intent;
  /** Set when the incident is about a carrier's mail (docomo …). */
  carrier?: string;
  /** Set when it is about a mail service (gmail, icloud …) without a carrier. */
  service?: string;
}

/**
 * A ticket as the engine files it: everything but the id and the text a person reads. The pipeline assigns the
 * id, then renders `summary` and `body` in the conversation's language (src/dialog/ticket.ts `renderTicket`).
 */
export interface TicketDraft extends Omit<Ticket, 'id' | 'fields' | 'summary' | 'body' | 'transcriptUrl'> {
  fields: Omit<TicketFields, 'stepsTried'> & { stepsTried: Array<Pick<StepTried, 'title' | 'step' | 'result'>> };
  /** Parameters of the tree's messages at filing time (carrier and device names …), for rendering step titles. */
  params: MessageParams;
  /**
   * Which side fails, as the person answered 「送信はできますか？」 (the tree's `scope` slot): shown beside the detected
   * symptom in the body — the IMAP/SMTP split staff start from. Not a field of the ticket object (design.md).
   */
  scope?: MailScope;
  /**
   * What the person said at the hand-off form that was no answer to it but that the problem persists (「まだ届きません」),
   * secrets masked: one line of the body. Not a field of the ticket object (design.md).
   */
  stillBroken?: string[];
}

/** The tree's `scope` slot: which side of mail fails. */
export const MAIL_SCOPES = ['receive', 'send', 'both', 'sometimes'] as const;
export type MailScope = (typeof MAIL_SCOPES)[number];

/**
 * What a follow-up tells the help desk about a ticket already filed: the person says the mail works again
 * (`user_resolved`), that it still does not (`still_broken`), or adds details (error text, OS version …).
 */
export const FOLLOW_UP_KINDS = ['user_resolved', 'still_broken', 'details'] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

/** Ticket facts a follow-up adds (what the person's message told, read like the hand-off form reads it). */
export type FollowUpFields = Partial<Pick<TicketFields, 'device' | 'model' | 'os' | 'service' | 'carrier' | 'errorMessage' | 'occurredAt' | 'frequency'>>;

/** A follow-up as the engine emits it: the pipeline numbers it (`seq` within the ticket) and renders its text. */
export interface FollowUpDraft {
  kind: FollowUpKind;
  /** 1 for the ticket's first follow-up: the id is `<ticket id>-f<seq>`, the same on a replayed turn. */
  seq: number;
  /** What the person wrote, secrets masked (absent for a button). */
  text?: string;
  fields: FollowUpFields;
}

/**
 * A follow-up to a filed ticket, as the outbox stores and the sinks send it (a Zendesk internal note + tag, a Jira
 * Service Management internal comment, a second webhook POST, a file next to the ticket). The ticket itself is
 * never changed.
 */
export interface TicketFollowUp {
  /** `<ticket id>-f<n>`: idempotency key of its delivery. */
  id: string;
  /** The ticket it follows (the id the person was told). */
  ticket: string;
  conversation: string;
  createdAt: string;
  locale: Locale;
  kind: FollowUpKind;
  /** What the person wrote, secrets masked. */
  text?: string;
  fields: FollowUpFields;
  /** The comment a person reads, in the conversation's language; starts with `[<follow-up id>]`. */
  body: string;
  transcriptUrl: string;
}

/** Side effects a step asks the pipeline to carry out. The engine performs none itself. */
export type Effect =
  | { type: 'ticket'; draft: TicketDraft }
  | { type: 'follow_up'; draft: FollowUpDraft }
  | { type: 'status'; status: ConversationStatus; node: string };

/** What one turn produced, as channels render it and `chat --jsonl` prints it. */
export interface TurnOutcome {
  conversation: string;
  intent: Intent | null;
  node: string;
  status: ConversationStatus;
  replies: Reply[];
  ticket?: Ticket;
  /** A follow-up this turn added to the conversation's ticket (held by the outbox). */
  followUp?: TicketFollowUp;
  /**
   * Id of the set of choices offered by this turn (absent when the replies offer none). A channel that can attach
   * data to a button sends it back as Turn.nonce, so a click on an older set is refused rather than re-applied.
   */
  offer?: string;
  /**
   * The two-stage fallback of this turn: the symptoms the bot offered (「〜ということでしょうか？」) and, on the click
   * that answers it, the one chosen (`none` for 「どれでもない」). Copied into the transcript for training data.
   */
  clarification?: Clarification;
  /**
   * The person's text this turn is a password by context — the message before ended on its label (「パスワードは」,
   * "my password is") and this one is the value alone. What transcripts and echoes keep of the text instead: the
   * mark alone, in the conversation's language (rob-20). Or the text masked by the conversation's topic: after a
   * password change was said, 「ドコモメールの新しいのはホシゾラ」 keeps 「ドコモメールの新しいのは［伏字］」 (sec-26).
   */
  secret?: string;
}

/** Symptoms offered when a message is about mail but the symptom is uncertain, and the person's choice. */
export interface Clarification {
  offered: Intent[];
  chosen?: Intent | 'none';
}
