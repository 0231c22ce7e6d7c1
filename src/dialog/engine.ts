/**
 * The dialog engine: a pure step function over the troubleshooting tree (dialogs/*.yaml).
 *
 *   step(state | undefined, input, meta, ctx) → { state, replies, effects, intent }
 *
 * No I/O, no clock (time is `meta.nowMs`), no randomness, and it never throws: a bug (an unknown node, more than
 * MAX_HOPS automatic transitions in one turn) becomes a polite error reply and a safe state. The semantics are
 * the shared "Dialog semantics" of the tree and engine (see src/data/schemas.ts and the README):
 *  - entity slots are filled from the NLU on every text turn, so a fact already given is never asked again;
 *  - free text is understood at every node: restart, request_human, resolved, goodbye, a new symptom switches
 *    branch; text the bot cannot place gets a clarifying question, a second miss in a row also offers a person;
 *  - every step shown and its answer is recorded (the ticket's 実施手順と結果);
 *  - the handoff node asks, in one message, only for the ticket fields still missing, re-asks at most once,
 *    then emits the ticket effect.
 *
 * Placeholders available to every tree message (`{name}` in locales/*\/tree.yaml):
 *   {carrier_name} {service_name} {device_name} {account_name} {os_version} {error_text}
 * plus the raw slot values by slot name ({carrier}, {scope} …). Missing values render a neutral word
 * ("お使いのメール"), never a blank.
 */
import type { CauseAxis, Choice, ConversationStatus, Effect, Intent, Locale, NluResult, Reply, StepResult } from '../core/index.js';
import { ERROR_INTENTS } from '../core/index.js';
import type { Condition, DialogNode, DialogOption } from '../data/schemas.js';
import type { Params } from '../i18n/index.js';
import { normalise, parseFieldFacts, type FieldFacts } from './fields.js';
import { maskSecrets } from './secrets.js';
import { buildTicket } from './ticket.js';
import { STATE_SCHEMA, type ConversationState, type StepContext, type StepInput, type StepMeta, type StepOutput } from './types.js';

/** Bug guard: automatic transitions (skips, info, route) allowed in one turn before the engine gives up. */
export const MAX_HOPS = 50;

/** Button values the engine adds itself (tree option values are whatever the tree declares). */
export const ACTIONS = {
  resolved: 'resolved',
  notResolved: 'not_resolved',
  help: 'help',
  human: 'human',
  restart: 'restart',
  /** At hand-off: file the ticket now with what is known. */
  skip: 'skip',
  /** At a step with `na`: "this step doesn't apply to me" (no VPN, not on Wi‑Fi, no old phone) — recorded as skipped. */
  na: 'n_a',
} as const;

/** Slots filled from NLU entities on every text turn. */
export const ENTITY_SLOTS = ['carrier', 'service', 'device', 'trigger', 'error_message', 'os_version'] as const;

/** Ticket fields a handoff node may ask for, in the order they are asked. */
export const HANDOFF_FIELDS = ['device', 'os', 'service', 'errorMessage', 'occurredAt', 'frequency'] as const;
export type HandoffField = (typeof HANDOFF_FIELDS)[number];

/**
 * Below this calibrated confidence an intent is not acted on (read as out_of_scope): 「ぬるぽ」 must not
 * count as "yes, fixed". Entities still count.
 */
export const MIN_CONFIDENCE = 0.4;
/** Leaving the current branch (a new symptom, goodbye) needs more certainty than answering the question at hand. */
export const SWITCH_CONFIDENCE = 0.6;

/** Free-text "I don't know how" at a step (recognition pattern, not a user-facing string). */
const HELP_PATTERN = /^(?:how|how\?|どうやって|どうやるの|どうやる|どこ|どこで|どこから)[?？]?$|やり方|わか(?:ら|りま)|分か(?:ら|りま)|どうやって|どこ(?:を|に|で|から)(?:押|タップ|開|設定|変更|確認)|どこにあ|手順を?教えて|how (?:do|to|can)|where (?:is|do|can|exactly|would)|where'?s|\bwhere\b[^.!]{0,20}\?$|どういう(?:意味|こと)|って(?:なに|何|なん)|(?:なに|何)それ|意味(?:が)?(?:わから|分から|不明)|what does (?:that|this|it) mean|what do you mean|meaning\b|which (?:screen|menu|button|setting)|don'?t know how|not sure how|can'?t find (?:it|the|that|where)|help/i;

/**
 * Free-text reports about a step, read before the intent (recognition patterns, not user-facing strings).
 * Classifiers often read 「それはもうやった」「機内モードやりました」 as "fixed"; a person means "done (before / just now)".
 */
const STEP_FIXED = /直っ|直り|治っ|治り|解決|使えるように|届くように|できるように(?:なっ|なり)|(?:受信|送信|取得)でき(?:た|ました)|届きました|届いた|fixed|solved|works now|working now|it works|that worked/i;
const STEP_FAILED = /ダメ|だめ|駄目|まだ(?!(?:やって|して|試して|試せて)(?:い)?(?:ない|ません))|変わら|直らな|治らな|直ってな|治ってな|ならない|なりません|なかった|無かった|ありませんでした|見つから(?:ない|なかった)|入って(?:い)?な(?:い|かった)|(?:は|も)(?:大丈夫|問題な)|エラー(?:が|は)?(?:出|でる|でま)|still|didn'?t (?:work|help|fix)|doesn'?t work|not work|no luck|no change|same (?:error|problem)|nothing (?:in|there|new|found|changed)|(?:wasn'?t|isn'?t|not) (?:in )?there|(?:couldn'?t|didn'?t) find|found nothing|not in (?:the |my )?(?:junk|spam)|(?:junk|spam)(?: folder)? (?:is|was) empty/i;
/**
 * "This step doesn't apply to me" (no VPN, not on Wi‑Fi, the old phone is gone): the step is recorded as skipped
 * and the branch goes on. Steps add their own wording in `na:`; these are the general forms.
 */
const STEP_NA = /該当しない|該当しません|当てはまらない|当てはまりません|関係(?:ない|ありません)|(?:使っ|使用し|入れ|設定し|契約し)て(?:い)?(?:ない|ません)|持って(?:い)?(?:ない|ません)|(?:もう|既に|すでに)(?:手元に)?(?:ない|ありません)|手元に(?:ない|ありません)|\bn\/?a\b|not applicable|doesn'?t apply|does not apply|not relevant|(?:don'?t|do not|never) use\b|(?:don'?t|do not) have (?:a |an |any |the |my )?(?:vpn|wi-?fi|router|proxy|old|previous|profile)|(?:not|never) (?:using|on|connected to) (?:a |any |the )?(?:vpn|wi-?fi|proxy|public)|no (?:vpn|proxy|wi-?fi|router)\b|no longer have|(?:i'?m|i am) not on\b/i;
const STEP_NOT_YET = /まだ(?:やって|して|試して|試せて)(?:い)?(?:ない|ません)|これから(?:やり|試し)|not yet|haven'?t (?:tried|done)/i;
/** "Did that before you asked" — recorded as tried without success, and the step is passed. */
const STEP_ALREADY = /(?:もう|既に|すでに|前に|以前|さっき|先ほど|先程|とっくに|最初に)[^。！？!?]{0,10}(?:やっ|やり|試し|済|し(?:た|まし|てい|てる|てあ))|(?:やった|やりました|試した|試しました|済み)(?:よ|って|けど|んだけど|んですが|のですが)?$|already|tried (?:that|it|this)(?! now)|(?:did|done) (?:that|it|this) (?:before|already|earlier)/i;
/** "Done" with no result: ask whether it helped rather than guess. */
const STEP_DID = /やっ(?:た|て(?:み)?(?:た|ました))|やりました|[^な]した[よね]?$|してみた|試し(?:た|ました)|しました|済ませ|完了|終わ(?:った|りました)|\b(?:did (?:it|that|this)|done|finished|tried it)\b/i;

/** "How long do I wait?" at a step: say how long a step takes to show its effect, and ask again. */
const STEP_WAIT = /(?:どの|どれ)(?:くらい|ぐらい)(?:待|まつ|かか)|何分|なんぷん|いつまで(?:待|まつ)|待て?ば(?:いい|良い)|待った(?:ほう|方)が|how long|should i wait|wait (?:for|how)/i;
/**
 * Giving up midway (「もういいです」「諦めます」"never mind"): not "still broken" and not a miss. The conversation ends
 * politely, offering a person once. Classifiers read these as out_of_scope or, worse, as an answer.
 */
const GIVE_UP = /もう(?:いい|良い)(?:です|や|よ|わ|かな)?[。!！…w]*$|諦め|あきらめ|(?:今日|きょう)は(?:もう)?(?:いい|やめ)|また(?:今度|こんど|後で|あとで)(?:にします|やります|にする|で)?[。!！]*$|^(?:やめ(?:ます|る|とく|ておきます|ときます)|中止|終わりにします)[。!！]*$|\bnever ?mind\b|\bforget (?:it|about it)\b|\bgive up\b|\bnvm\b|\bi'?ll (?:stop|leave it|try (?:again )?later)\b/i;
/**
 * A first message that says something is wrong but not what (「メールがおかしい」「調子悪い」). Classifiers guess a
 * symptom for it; the engine asks which symptom instead of walking a guessed branch.
 */
const VAGUE = /おかし|変(?:だ|です|な(?:ん|の)|に)?$|へん(?:だ|です|なの)?$|調子(?:が)?(?:悪|わる)|具合(?:が)?(?:悪|わる)|不具合|\b(?:weird|strange|acting up|not right|something(?:'s| is) wrong|messed up|(?:not|isn'?t|stopped) working|doesn'?t work|broken|(?:a )?problem with)\b/i;
/** Words that do name a symptom: with one of these the message is not vague. */
const CONCRETE = /受信|送信|届|来な|こな|こない|取得|とれ|取れ|見れ|みれ|見られ|送れ|おくれ|エラー|えらー|ｴﾗｰ|パスワード|ぱすわーど|通知|つうち|接続|つなが|繋が|応答|機種変|アップデート|更新|同期|error|receiv|send|sent|password|notif|connect|sync|arriv|fetch|download/i;

/**
 * Light steps people report on their own (「再起動しました、まだです」「VPNも切ったけどダメ」). Each names the tree's
 * `done_*` slot the step sets; a mention marks it done (the step then skips itself) and records it as tried.
 * Only slots the tree declares are used, so the tree stays in charge of which steps exist.
 */
const STEP_MENTIONS: ReadonlyArray<{ slot: string; pattern: RegExp }> = [
  { slot: 'done_restart', pattern: /再起動|電源(?:を)?(?:入れ直|切っ|オフ)|リブート|\b(?:restart|reboot)(?:ed)?\b|turned (?:it|the phone) off and on/i },
  { slot: 'done_airplane', pattern: /機内モード|airplane mode/i },
  { slot: 'done_line', pattern: /(?:wi-?fi|モバイル(?:データ)?|4g|5g|回線)[^。、]{0,12}切り?替え|\bswitch(?:ed)? (?:to |between )?(?:wi-?fi|mobile data|cellular)/i },
  { slot: 'done_vpn', pattern: /vpn/i },
  { slot: 'done_force_quit', pattern: /強制終了|force[- ]?quit/i },
  { slot: 'done_password', pattern: /パスワード(?:を|は|も)?\s?(?:入れ直|打ち直|再入力|入力し直|手入力)|\bre-?(?:entered|typed|enter) (?:the |my )?password/i },
];
/** A mention counts as "done" only with a cue that something was done or still fails (「〜しても」「〜したけど」「もうやった」). */
const DONE_CUE = /ても|たけど|たが|ましたが|ましたけど|(?:し|やっ|試し|切っ|オフにし|入れ直し)(?:た|ました|てみた|てる|ています)|済み|already|tried|\bdid\b|still|didn'?t (?:help|work)|(?:restarted|rebooted|switched|turned off|toggled|disabled|force[- ]?quit)\b/i;

class GuardError extends Error {}

/** Mutable scratch of one turn; `s` is a private copy of the state, so the caller's object is never touched. */
interface Run {
  s: ConversationState;
  replies: Reply[];
  effects: Effect[];
  meta: StepMeta;
  ctx: StepContext;
  hops: number;
  missed: boolean;
  /** Entity slots this text turn filled or changed (「iCloudです」 answered to no question). */
  learned: string[];
  /** This turn's text, for an ask node reached in the same turn: 「送信も受信もできない」 answers the scope question too. */
  pending?: string;
  /** The text of this turn (undefined for a click). */
  text?: string;
}

// ───────────────────────────── entry point ─────────────────────────────

/** One turn of the conversation. See the module comment for the rules. Never throws. */
export function step(prev: ConversationState | undefined, input: StepInput, meta: StepMeta, ctx: StepContext): StepOutput {
  const intent = input.kind === 'text' ? input.nlu.intent : null;
  try {
    return runTurn(prev, input, meta, ctx);
  } catch {
    return safeOutput(prev, input, meta, ctx, intent);
  }
}

function runTurn(prev: ConversationState | undefined, input: StepInput, meta: StepMeta, ctx: StepContext): StepOutput {
  const intent = input.kind === 'text' ? input.nlu.intent : null;
  const fresh = !prev || prev.schema !== STATE_SCHEMA;
  const s = fresh ? newState(meta, ctx, input.kind === 'text' ? pickLocale(input, undefined, meta.locale) : meta.locale) : clone(prev);
  s.turn += 1;
  s.updatedAtMs = meta.nowMs;
  s.channel = meta.channel;
  s.userId = meta.userId;
  if (meta.userName) s.userName = meta.userName;
  if (meta.permalink) s.permalink = meta.permalink;
  const run: Run = { s, replies: [], effects: [], meta, ctx, hops: 0, missed: false, learned: [] };

  const before = { locale: s.locale, node: s.node };
  if (input.kind === 'text') s.locale = pickLocale(input, fresh ? undefined : s.locale, meta.locale);

  if (fresh && prev) {
    // A state written by an older engine: restart politely rather than misread it.
    say(run, 'engine.tree_changed');
  } else if (!fresh && s.treeVersion !== ctx.tree.version) {
    if (s.node && !ctx.tree.nodes.has(s.node)) {
      // The node this conversation waited at is gone: restart, keeping what we know (slots, steps).
      say(run, 'engine.tree_changed');
      s.node = null;
      s.pending = undefined;
      if (s.status !== 'escalated') s.status = 'active';
    }
    s.treeVersion = ctx.tree.version;
  }

  if (input.kind === 'action') {
    if (fresh) {
      // A click on a conversation that has expired (or never existed here): say so and start again.
      if (!prev) say(run, 'engine.expired');
      enter(run, ctx.tree.start);
    } else onAction(run, input.value, input.nonce);
  } else {
    onText(run, input.text, input.nlu);
    // Switched language mid-question (「…」 then "can we do this in English?"): show the question again in it.
    const node = currentNode(run);
    if (!fresh && before.locale !== s.locale && node && s.node === before.node && s.status === 'active' && !run.replies.some((r) => r.key === ('say' in node ? node.say : '')))
    {
      // The filler ("that's what we're working on") is replaced by the question itself in the new language.
      run.replies = run.replies.filter((r) => !['engine.same_topic', 'engine.ack', 'engine.greet'].includes(r.key));
      prompt(run, node);
    }
  }

  if (!run.missed) s.misses = 0;
  s.cause = deriveCause(s);
  return { state: s, replies: run.replies, effects: run.effects, intent };
}

/** A fresh conversation state. Exported for tests and for the pipeline's expired-conversation path. */
export function newState(meta: StepMeta, ctx: Pick<StepContext, 'tree'>, locale: Locale = meta.locale): ConversationState {
  return {
    schema: STATE_SCHEMA,
    treeVersion: ctx.tree.version,
    conversationId: meta.conversationId,
    channel: meta.channel,
    userId: meta.userId,
    ...(meta.userName ? { userName: meta.userName } : {}),
    ...(meta.permalink ? { permalink: meta.permalink } : {}),
    locale,
    node: null,
    status: 'active',
    slots: {},
    intent: null,
    stepsTried: [],
    misses: 0,
    collected: {},
    turn: 0,
    createdAtMs: meta.nowMs,
    updatedAtMs: meta.nowMs,
  };
}

function clone(s: ConversationState): ConversationState {
  return structuredClone(s);
}

/** The bug guard's answer: apologise, park the conversation on no node, offer a person or a restart. */
function safeOutput(
  prev: ConversationState | undefined,
  input: StepInput,
  meta: StepMeta,
  ctx: StepContext,
  intent: Intent | null,
): StepOutput {
  let s: ConversationState;
  try {
    s = prev && prev.schema === STATE_SCHEMA ? clone(prev) : newState(meta, ctx);
  } catch {
    s = newState(meta, ctx);
  }
  s.turn += 1;
  s.updatedAtMs = meta.nowMs;
  s.node = null;
  s.pending = undefined;
  if (s.status !== 'escalated') s.status = 'active';
  s.offer = s.turn;
  const locale = s.locale;
  const t = (key: string) => ctx.i18n.t(key, undefined, locale);
  return {
    state: s,
    replies: [
      {
        key: 'engine.guard_error',
        text: t('engine.guard_error'),
        choices: [
          { label: t('engine.button.human'), value: ACTIONS.human },
          { label: t('engine.button.restart'), value: ACTIONS.restart },
        ],
      },
    ],
    effects: [],
    intent: input.kind === 'text' ? intent : null,
  };
}

// ───────────────────────────── locale ─────────────────────────────

/** Words that say nothing about the language (brands, tech terms, "ok"). */
const NEUTRAL_WORDS = new Set([
  'ok', 'okay', 'k', 'ng', 'iphone', 'ipad', 'ios', 'ipados', 'android', 'mac', 'windows', 'imap', 'smtp', 'pop',
  'pop3', 'vpn', 'wifi', 'wi', 'fi', 'gmail', 'icloud', 'outlook', 'yahoo', 'docomo', 'au', 'softbank', 'rakuten',
  'ymobile', 'uq', 'ssl', 'tls', 'pro', 'max', 'plus', 'mini', 'se', 'lol', 'w', 'www', 'apple', 'id', 'mail',
]);

/** Short greetings that decide the language on their own (two or three letters are otherwise too little). */
const GREETING_WORDS = new Set(['hi', 'hey', 'yo', 'thx', 'ty']);

/**
 * The conversation's language: real text decides (the NLU's script-based guess); short or ambiguous input
 * ("ok", emoji, "iPhone 15", digits) keeps the current locale, or the channel's for the very first turn.
 */
export function pickLocale(input: { text: string; nlu: NluResult }, current: Locale | undefined, fallback: Locale): Locale {
  const text = input.text.normalize('NFKC');
  if (/[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/.test(text)) return 'ja';
  const words = (text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => !NEUTRAL_WORDS.has(w) && w.length > 1);
  // 「Hi」 alone as a first message is English too: a greeting is the most common opener.
  const meaningful = words.length >= 2 || words.some((w) => w.length >= 4 || GREETING_WORDS.has(w));
  if (meaningful) return input.nlu.locale;
  return current ?? fallback;
}

// ───────────────────────────── rendering ─────────────────────────────

function slotParams(run: Run): Params {
  const { s } = run;
  const label = (slot: string): string | undefined => {
    const v = s.slots[slot];
    const key = v ? `engine.value.${slot}.${v}` : `engine.value.${slot}.none`;
    return run.ctx.i18n.t(key, undefined, s.locale);
  };
  const account = s.slots.carrier ?? s.slots.service;
  return {
    ...s.slots,
    carrier_name: label('carrier'),
    service_name: label('service'),
    device_name: label('device'),
    account_name: run.ctx.i18n.t(account ? `engine.value.account.${account}` : 'engine.value.account.none', undefined, s.locale),
    os_version: s.slots.os_version ?? s.collected.os ?? run.ctx.i18n.t('engine.value.unknown', undefined, s.locale),
    error_text: s.errorText ?? run.ctx.i18n.t('engine.value.unknown', undefined, s.locale),
  };
}

function t(run: Run, key: string, extra?: Params): string {
  return run.ctx.i18n.t(key, { ...slotParams(run), ...extra }, run.s.locale);
}

function say(run: Run, key: string, extra?: Params, choices?: Choice[]): void {
  const reply: Reply = { key, text: t(run, key, extra) };
  if (choices?.length) {
    reply.choices = choices;
    run.s.offer = run.s.turn;
  }
  run.replies.push(reply);
}

function button(run: Run, key: string, value: string): Choice {
  return { label: t(run, key), value };
}

function optionChoices(run: Run, options: DialogOption[] | undefined): Choice[] {
  return (options ?? []).map((o) => ({ label: t(run, o.label), value: o.value }));
}

/** The buttons the user may press at `node` right now. */
function choicesOf(run: Run, node: DialogNode): Choice[] {
  switch (node.kind) {
    case 'ask':
    case 'choice':
    case 'resolve':
      return optionChoices(run, node.options);
    case 'step': {
      const out = [button(run, 'engine.button.resolved', ACTIONS.resolved), button(run, 'engine.button.not_resolved', ACTIONS.notResolved)];
      if (node.help) out.push(button(run, 'engine.button.help', ACTIONS.help));
      if (node.na) out.push(button(run, 'engine.button.na', ACTIONS.na));
      out.push(button(run, 'engine.button.human', ACTIONS.human));
      return out;
    }
    case 'handoff':
      return run.s.pending?.length ? [button(run, 'engine.button.skip', ACTIONS.skip)] : [];
    case 'end':
      return [button(run, 'engine.button.restart', ACTIONS.restart)];
    default:
      return [];
  }
}

/** Says the node's question again with its buttons (after a stale click, a greeting, a changed tree …). */
function prompt(run: Run, node: DialogNode): void {
  if (node.kind === 'handoff') {
    if (run.s.pending?.length) askFields(run, run.s.pending as HandoffField[], 'engine.handoff.reask');
    else escalatedAlready(run);
    return;
  }
  if (node.kind === 'info' || node.kind === 'route') return;
  say(run, node.say, undefined, choicesOf(run, node));
}

// ───────────────────────────── conditions and slots ─────────────────────────────

/** `when` semantics: every key must match (AND); a list matches any value (OR); "*" = filled, "-" = empty. */
export function holds(cond: Condition, slots: Record<string, string>): boolean {
  return Object.entries(cond).every(([slot, want]) => {
    const have = slots[slot];
    const wants = Array.isArray(want) ? want : [want];
    return wants.some((w) => (w === '*' ? have !== undefined && have !== '' : w === '-' ? have === undefined || have === '' : have === w));
  });
}

function applySet(run: Run, set: Record<string, string> | undefined): void {
  if (set) Object.assign(run.s.slots, set);
}

function deriveCause(s: ConversationState): CauseAxis {
  const c = s.slots.cause;
  if (c === 'auth' || c === 'network' || c === 'server') return c;
  switch (s.slots.error_message) {
    case 'password_incorrect':
    case 'auth_failed':
    case 'account_error':
      return 'auth';
    case 'cannot_connect':
      return 'network';
    case 'imap_no_response':
    case 'smtp_no_response':
      return 'server';
  }
  switch (s.intent) {
    case 'error_auth':
    case 'howto_app_password':
      return 'auth';
    case 'error_connect':
      return 'network';
    case 'error_server_timeout':
    case 'check_outage':
      return 'server';
  }
  return 'unknown';
}

function isEntry(run: Run, intent: Intent): boolean {
  return run.ctx.tree.entries[intent] !== undefined;
}

/** What a text turn tells us: entity slots, model, OS, time, frequency, settings, the error text. */
function absorb(run: Run, text: string, nlu: NluResult, facts: FieldFacts, collecting: boolean): void {
  const { s } = run;
  for (const slot of ENTITY_SLOTS) {
    const v = nlu.entities[slot];
    if (v && s.slots[slot] !== v) run.learned.push(slot);
    if (v) s.slots[slot] = v; // a new value overwrites: the user corrects themselves
  }
  if (facts.os && !nlu.entities.os_version) s.slots.os_version = facts.os;
  if (facts.model) {
    s.collected.model = facts.model;
    if (!s.slots.device) {
      const d = /^iphone/i.test(facts.model) ? 'iphone' : /^ipad/i.test(facts.model) ? 'ipad' : 'android';
      s.slots.device = d;
    }
  }
  if (facts.occurredAt) s.collected.occurredAt = facts.occurredAt;
  if (facts.frequency) s.collected.frequency = facts.frequency;
  for (const side of ['incoming', 'outgoing'] as const) {
    for (const [k, v] of Object.entries(facts[side] ?? {})) s.collected[`settings.${side}.${k}`] = String(v);
  }
  noteMentionedSteps(run, text);
  // A quoted message is what the screen says: it replaces a symptom described in the user's own words.
  if (facts.quotedError && (nlu.entities.error_message || (!s.slots.error_message && (collecting || ERROR_INTENTS.has(nlu.intent))))) s.errorText = maskSecrets(facts.quotedError).text;
  if (collecting) return; // at hand-off the answer is read by collect(), field by field
  const masked = maskSecrets(text).text;
  if (nlu.entities.error_message) s.errorText = facts.quotedError ? maskSecrets(facts.quotedError).text : masked;
  else if (ERROR_INTENTS.has(nlu.intent) && !s.errorText) s.errorText = facts.quotedError ? maskSecrets(facts.quotedError).text : masked;
}

/**
 * 「再起動もしたけどダメ」: a light step the user already did is marked done (its node then skips itself) and
 * recorded once as tried without success. A step the user says fixed it is not recorded here (that is "resolved").
 */
function noteMentionedSteps(run: Run, text: string): void {
  const { s, ctx } = run;
  const said = normalise(text);
  const report = stepReport(said);
  // 「VPNは使っていません」 up front: that step does not apply — marked done so it skips itself, recorded as skipped.
  const na = report === 'na';
  if (report === 'fixed' || STEP_NOT_YET.test(said) || (!na && !DONE_CUE.test(said))) return;
  const declared = ctx.tree.slots ?? {};
  const mentioned = STEP_MENTIONS.filter(({ slot, pattern }) => slot in declared && !s.slots[slot] && pattern.test(said));
  // "No VPN" names one step; a sentence naming several is not read as "none of them apply".
  if (na && mentioned.length !== 1) return;
  for (const { slot } of mentioned) {
    // A step may have device variants (dev_restart / dev_restart_android): record the one this person would see.
    const steps = [...ctx.tree.nodes.values()].filter((n) => n.kind === 'step' && n.set?.[slot] !== undefined);
    const step = steps.find((n) => !n.when || holds(n.when, s.slots)) ?? steps[0];
    s.slots[slot] = 'yes';
    if (step?.kind === 'step' && !s.stepsTried.some((x) => x.node === step.id))
      s.stepsTried.push({ node: step.id, step: t(run, step.title), result: na ? 'skipped' : 'not_resolved', atMs: run.meta.nowMs });
  }
}

// ───────────────────────────── walking the tree ─────────────────────────────

function setStatus(run: Run, status: ConversationStatus): void {
  if (run.s.status === status) return;
  run.s.status = status;
  run.effects.push({ type: 'status', status, node: run.s.node ?? '' });
}

/** Enters `id` and keeps going through automatic transitions until a node waits for the user. */
function enter(run: Run, id: string): void {
  const { s, ctx } = run;
  let next: string | undefined = id;
  while (next !== undefined) {
    if (++run.hops > MAX_HOPS) throw new GuardError(`more than ${MAX_HOPS} transitions`);
    const node = ctx.tree.nodes.get(next);
    if (!node) throw new GuardError(`unknown node ${next}`);
    next = undefined;
    if (node.when && !holds(node.when, s.slots)) {
      const skip = node.skip ?? ('next' in node ? node.next : node.kind === 'route' ? node.default : undefined);
      // A terminal node without skip/next is entered anyway: lint reports it, the user still gets an answer.
      if (skip !== undefined) {
        next = skip;
        continue;
      }
    }
    applySet(run, node.set);
    s.node = node.id;
    switch (node.kind) {
      case 'ask': {
        if (s.slots[node.slot]) {
          next = node.next;
          continue;
        }
        const said = run.pending;
        run.pending = undefined;
        const pre = said !== undefined ? matchWords(run, node.options, said) : undefined;
        if (pre) {
          s.slots[node.slot] = pre.value;
          applySet(run, pre.set);
          next = pre.next ?? node.next;
          continue;
        }
        setStatus(run, 'active');
        say(run, node.say, undefined, choicesOf(run, node));
        return;
      }
      case 'choice':
      case 'step':
        setStatus(run, 'active');
        say(run, node.say, undefined, choicesOf(run, node));
        return;
      case 'info':
        say(run, node.say);
        next = node.next;
        continue;
      case 'route':
        next = node.cases.find((c) => holds(c.when, s.slots))?.next ?? node.default;
        continue;
      case 'resolve':
        setStatus(run, 'resolved');
        say(run, node.say, undefined, choicesOf(run, node));
        return;
      case 'handoff':
        enterHandoff(run, node);
        return;
      case 'end':
        setStatus(run, 'ended');
        say(run, node.say, undefined, choicesOf(run, node));
        return;
    }
  }
}

function currentNode(run: Run): DialogNode | undefined {
  return run.s.node ? run.ctx.tree.nodes.get(run.s.node) : undefined;
}

/** Appends the current step (if the conversation waits at one) to stepsTried with `result`. */
function recordStep(run: Run, result: StepResult): void {
  const node = currentNode(run);
  if (node?.kind !== 'step') return;
  // 「VPNは切ったけどダメ」 at the VPN step was already noted from the text this turn: one line, not two.
  const last = run.s.stepsTried.at(-1);
  if (last && last.node === node.id && last.atMs === run.meta.nowMs) {
    last.result = result;
    return;
  }
  run.s.stepsTried.push({ node: node.id, step: t(run, node.title), result, atMs: run.meta.nowMs });
}

/** Leaves the current node for a global target; an unanswered step is recorded as "unknown". */
function leaveTo(run: Run, target: string, stepResult: StepResult = 'unknown'): void {
  recordStep(run, stepResult);
  run.s.pending = undefined;
  enter(run, target);
}

/** Starts a new episode after a resolved/ended/escalated one: facts about the phone stay, the rest goes. */
function newEpisode(run: Run): void {
  const { s } = run;
  s.stepsTried = [];
  s.errorText = undefined;
  s.collected = Object.fromEntries(Object.entries(s.collected).filter(([k]) => k === 'model'));
  s.pending = undefined;
  s.handoffAsks = undefined;
  s.ticketId = undefined;
  s.intent = null;
  for (const k of Object.keys(s.slots)) if (!(ENTITY_SLOTS as readonly string[]).includes(k) || k === 'error_message') delete s.slots[k];
  setStatus(run, 'active');
}

/** Would entering `intent`'s entry end up somewhere other than the current node? (A dry run on a copy.) */
function leadsElsewhere(run: Run, intent: Intent): boolean {
  const probe: Run = { ...run, s: clone(run.s), replies: [], effects: [], hops: 0 };
  try {
    enter(probe, run.ctx.tree.entries[intent]!);
  } catch {
    return true; // the real switch will meet the same problem and answer it politely
  }
  return probe.s.node !== run.s.node;
}

function switchTo(run: Run, intent: Intent): void {
  const entry = run.ctx.tree.entries[intent]!;
  run.pending = run.text;
  recordStep(run, 'unknown');
  run.s.intent = intent;
  run.s.pending = undefined;
  enter(run, entry);
}

function restart(run: Run): void {
  const { s } = run;
  const keep = { locale: s.locale, turn: s.turn, createdAtMs: s.createdAtMs, status: s.status };
  // Empty the object in place (the turn holds a reference to it), so no optional field survives the restart.
  for (const k of Object.keys(s)) delete (s as unknown as Record<string, unknown>)[k];
  Object.assign(s, newState(run.meta, run.ctx, keep.locale), keep);
  say(run, 'engine.restarted');
  setStatus(run, 'active');
  enter(run, run.ctx.tree.start);
}

// ───────────────────────────── text ─────────────────────────────

function onText(run: Run, rawText: string, raw: NluResult): void {
  const { s, ctx } = run;
  const text = rawText ?? '';
  run.text = text;
  // Act only on intents the NLU is reasonably sure of; entities are kept either way.
  const nlu: NluResult = raw.confidence >= MIN_CONFIDENCE ? raw : { ...raw, intent: 'out_of_scope' };
  const sure = raw.confidence >= SWITCH_CONFIDENCE;
  const { redacted } = maskSecrets(text);
  const node = currentNode(run);
  const collecting = node?.kind === 'handoff' && !!s.pending?.length && s.status === 'active';
  const facts = parseFieldFacts(text);
  absorb(run, text, nlu, facts, collecting);
  if (redacted) say(run, 'engine.no_password');

  const intent = nlu.intent;
  if (intent === 'restart') return restart(run);

  if (collecting && node) return collect(run, node, text, nlu, facts);

  if (node?.kind === 'resolve' && s.status === 'resolved' && (intent === 'not_resolved' || stepReport(text) === 'failed') && reopen(run)) return;

  if (intent === 'request_human') {
    if (s.status === 'escalated') return escalatedAlready(run);
    return leaveTo(run, ctx.tree.globals.handoff);
  }

  // 「もういいです」: the person stops here — end politely, not "still broken" and not a miss.
  if (GIVE_UP.test(normalise(text)) && stepReport(text) !== 'fixed') return giveUp(run);

  // 「メールがおかしい」 as a first message: ask which symptom rather than walk the classifier's guess.
  if ((s.node === null || s.node === ctx.tree.start) && s.status === 'active' && isVague(text, nlu)) return askVague(run);

  if (node && matchLocal(run, node, text, nlu)) {
    // A symptom answered through a menu option still names the branch (for the ticket's intent).
    if (s.intent === null && isEntry(run, intent) && sure) s.intent = intent;
    return;
  }

  if (!node || s.status !== 'active') return outside(run, nlu);

  if (intent === 'resolved') return leaveTo(run, node.kind === 'step' && node.resolved ? node.resolved : ctx.tree.globals.resolved, 'resolved');
  if (intent === 'goodbye' && sure) return leaveTo(run, ctx.tree.globals.end);
  // Before any branch is chosen (at the menu) a symptom is the answer expected, so it needs no extra certainty.
  if (isEntry(run, intent) && (sure || s.intent === null) && intent !== s.intent) {
    if (leadsElsewhere(run, intent)) return switchTo(run, intent);
    // The new symptom's entry leads right back here (「2段階認証は有効です」 at the 2FA question): not a switch.
    return say(run, 'engine.same_topic', undefined, choicesOf(run, node));
  }
  if (isEntry(run, intent) && intent === s.intent) return say(run, 'engine.same_topic', undefined, choicesOf(run, node));
  if (intent === 'greeting') return say(run, 'engine.greet', undefined, choicesOf(run, node));
  if (intent === 'thanks') return say(run, 'engine.ack', undefined, choicesOf(run, node));
  if (run.learned.length) {
    // A fact given on its own (「iCloudです」): take it, and show the question again with it filled in.
    say(run, 'engine.noted');
    return prompt(run, node);
  }
  miss(run, node);
}

/** The person gives up: a polite end that offers a person (once — the end node does not offer it again). */
function giveUp(run: Run): void {
  const { s, ctx } = run;
  if (s.status === 'resolved') return enter(run, ctx.tree.globals.end);
  if (s.status !== 'active') return say(run, s.status === 'escalated' ? 'engine.welcome_escalated' : 'engine.welcome');
  recordStep(run, 'unknown');
  s.pending = undefined;
  s.node = ctx.tree.globals.end;
  setStatus(run, 'ended');
  say(run, 'engine.give_up', undefined, [button(run, 'engine.button.human', ACTIONS.human), button(run, 'engine.button.restart', ACTIONS.restart)]);
}

/** Something is wrong, but the message does not say what (no symptom word, no error text). */
function isVague(text: string, nlu: NluResult): boolean {
  const said = normalise(text);
  return VAGUE.test(said) && !CONCRETE.test(said) && !nlu.entities.error_message && nlu.intent !== 'request_human';
}

/** Asks which symptom it is, with the start menu's buttons; what the message did tell (carrier, device) is kept. */
function askVague(run: Run): void {
  const { s, ctx } = run;
  if (s.node === null) understood(run);
  const menu = ctx.tree.nodes.get(ctx.tree.start);
  s.node = ctx.tree.start;
  say(run, 'engine.vague', undefined, menu ? choicesOf(run, menu) : []);
}

/**
 * 「やっぱりまだダメ」 right after a step was answered "fixed": that step did not fix it after all. Its result is
 * corrected and the branch goes on from the step after it. False when no step was answered "fixed".
 */
function reopen(run: Run): boolean {
  const { s, ctx } = run;
  const last = s.stepsTried.at(-1);
  const node = last && last.result === 'resolved' ? ctx.tree.nodes.get(last.node) : undefined;
  if (node?.kind !== 'step') return false;
  last!.result = 'not_resolved';
  setStatus(run, 'active');
  enter(run, node.next);
  return true;
}

/** Text when no node waits (first turn, after the guard) or the conversation is resolved/ended/escalated. */
function outside(run: Run, nlu: NluResult): void {
  const { s, ctx } = run;
  const intent = nlu.intent;
  const terminal = s.status !== 'active';
  if (isEntry(run, intent) && !['greeting', 'thanks', 'goodbye', 'affirm', 'deny'].includes(intent)) {
    if (terminal) newEpisode(run);
    else if (s.node === null) understood(run);
    return switchTo(run, intent);
  }
  if (!terminal) {
    // First turn (or parked): a symptom was handled above; anything else starts at the menu.
    if (intent === 'out_of_scope' && run.learned.length) {
      // 「ドコモメールが使えません」: about mail, just no symptom the bot can place — ask for it, not "I only do mail".
      if (s.node === null) understood(run);
    } else if (intent === 'out_of_scope') {
      // Counts as a miss: a second message the bot cannot place also offers a person.
      run.missed = true;
      s.misses += 1;
      say(run, 'engine.out_of_scope');
    }
    return enter(run, ctx.tree.start);
  }
  if (intent === 'thanks' || intent === 'goodbye' || intent === 'deny' || intent === 'resolved') {
    if (s.status === 'resolved') return enter(run, ctx.tree.globals.end);
    return say(run, s.status === 'escalated' ? 'engine.welcome_escalated' : 'engine.welcome');
  }
  if (s.status === 'escalated') return escalatedAlready(run);
  if (intent === 'greeting') {
    newEpisode(run);
    return enter(run, ctx.tree.start);
  }
  newEpisode(run);
  if (intent === 'out_of_scope') say(run, 'engine.out_of_scope');
  enter(run, ctx.tree.globals.triage);
}

/** First message with facts in it: say what we took from it, so a misreading shows at once (「ドコモメール / iPhone」). */
function understood(run: Run): void {
  const { s } = run;
  const said: string[] = [];
  const p = slotParams(run);
  if (s.slots.carrier || s.slots.service) said.push(String(p.account_name));
  if (s.slots.device) said.push(s.collected.model ?? String(p.device_name));
  if (s.slots.os_version) said.push(s.slots.os_version);
  if (said.length) say(run, 'engine.understood', { facts: said.join(' / ') });
}

function miss(run: Run, node: DialogNode): void {
  const { s } = run;
  run.missed = true;
  s.misses += 1;
  const choices = choicesOf(run, node);
  if (s.misses >= 2) {
    if (!choices.some((c) => c.value === ACTIONS.human)) choices.push(button(run, 'engine.button.human', ACTIONS.human));
    say(run, 'engine.clarify_human', undefined, choices);
  } else say(run, 'engine.clarify', undefined, choices);
}

/** Compares answers loosely: width, case, punctuation, and polite endings (控えました ≈ 控えた). */
const squash = (x: string) =>
  normalise(x)
    .toLowerCase()
    .replace(/[\s、。,.!?！？・「」『』"'()（）]/g, '')
    .replace(/ました$/, 'た')
    .replace(/ません$/, 'ない')
    .replace(/(?:です|ます)$/, '');

/** The option the text chooses: by intent, then entities, then the label (either locale) or the value. */
function matchOption(run: Run, options: DialogOption[], text: string, nlu: NluResult): DialogOption | undefined {
  const said = squash(text);
  const phrases = (key: string | undefined) =>
    key ? (['ja', 'en'] as const).flatMap((l) => run.ctx.i18n.t(key, undefined, l).split('|')).map(squash).filter(Boolean) : [];
  const labels = (o: DialogOption) => phrases(o.label).concat(squash(o.value), phrases(o.says));
  // The very words of a button beat the classifier: 「わからない」 is the [わからない] button, not "yes".
  const exact = said ? options.find((o) => labels(o).includes(said)) : undefined;
  if (exact) return exact;
  const byIntent = options.find((o) => o.intents?.includes(nlu.intent));
  if (byIntent) return byIntent;
  const byEntity = options.find(
    (o) =>
      o.entities &&
      Object.entries(o.entities).every(([slot, want]) => {
        const have = (nlu.entities as Record<string, string | undefined>)[slot];
        return have !== undefined && (Array.isArray(want) ? want.includes(have) : want === have);
      }),
  );
  if (byEntity) return byEntity;
  if (!said) return undefined;
  // Two Japanese characters (「両方」) say as much as three Latin letters.
  const contained = options.filter((o) => labels(o).some((l) => (l.length >= 3 || (l.length >= 2 && /[^\x00-\x7f]/.test(l))) && said.includes(l)));
  if (contained.length === 1) return contained[0];
  // 「手動なら届きます」 for the button 「手動なら届く」: same words, another verb ending.
  const close = options.filter((o) => labels(o).some((l) => nearlySame(said, l)));
  return close.length === 1 ? close[0] : undefined;
}

/** An option the text names in so many words (label or `says`, whole or contained) — no intent or entity. */
function matchWords(run: Run, options: DialogOption[], text: string): DialogOption | undefined {
  const said = squash(text);
  if (!said) return undefined;
  const phrases = (key: string | undefined) =>
    key ? (['ja', 'en'] as const).flatMap((l) => run.ctx.i18n.t(key, undefined, l).split('|')).map(squash).filter(Boolean) : [];
  const hits = options.filter((o) =>
    phrases(o.label).concat(phrases(o.says)).some((l) => l === said || ((l.length >= 4 || (l.length >= 2 && /[^\x00-\x7f]/.test(l))) && said.includes(l))),
  );
  return hits.length === 1 ? hits[0] : undefined;
}

/** Two short answers that differ only in their last one or two characters (a conjugated ending). */
function nearlySame(said: string, label: string): boolean {
  let n = 0;
  while (n < said.length && n < label.length && said[n] === label[n]) n++;
  return n >= 3 && n >= label.length - 1 && n >= said.length - 3;
}

/** Answers that belong to the node the user is at. True when the text was placed. */
function matchLocal(run: Run, node: DialogNode, text: string, nlu: NluResult): boolean {
  const { s, ctx } = run;
  switch (node.kind) {
    case 'ask': {
      let opt = matchOption(run, node.options, text, nlu);
      const entityValue = (nlu.entities as Record<string, string | undefined>)[node.slot];
      if (!opt && entityValue) opt = node.options.find((o) => o.value === entityValue);
      if (opt) {
        s.slots[node.slot] = opt.value;
        applySet(run, opt.set);
        enter(run, opt.next ?? node.next);
        return true;
      }
      if (entityValue) {
        // An entity value the options do not list (e.g. carrier "rakuten"): the slot is filled; go on.
        enter(run, node.next);
        return true;
      }
      return false;
    }
    case 'choice':
    case 'resolve': {
      const opt = node.options ? matchOption(run, node.options, text, nlu) : undefined;
      if (opt?.next) {
        applySet(run, opt.set);
        enter(run, opt.next);
        return true;
      }
      if (node.kind === 'resolve') {
        if (nlu.intent === 'affirm' && node.options?.[0]?.next) {
          applySet(run, node.options[0].set);
          enter(run, node.options[0].next);
          return true;
        }
        if (['thanks', 'goodbye', 'deny', 'resolved'].includes(nlu.intent)) {
          enter(run, ctx.tree.globals.end);
          return true;
        }
      }
      return false;
    }
    case 'step': {
      const said = squash(text);
      const is = (key: string) => (['ja', 'en'] as const).some((l) => squash(ctx.i18n.t(key, undefined, l)) === said);
      const asksHow = HELP_PATTERN.test(text) && !isEntry(run, nlu.intent);
      if (asksHow && nlu.intent !== 'resolved' && nlu.intent !== 'not_resolved') {
        // 「わかりません」 reads as "yes" to some classifiers; at a step it means "I don't know how".
        if (!node.help) return false;
        answerStep(run, node, ACTIONS.help);
        return true;
      }
      if (STEP_WAIT.test(normalise(text))) {
        // 「どのくらい待てばいい？」: how long a step takes to show, then the same buttons.
        say(run, 'engine.step_wait', undefined, choicesOf(run, node));
        return true;
      }
      const report = stepReport(text);
      const na = node.na ? (['ja', 'en'] as const).flatMap((l) => ctx.i18n.t(node.na!, undefined, l).split('|')).map(squash).filter(Boolean) : [];
      if (report === 'na' || na.some((p) => said === p || (p.length >= 3 && said.includes(p)))) {
        answerStep(run, node, ACTIONS.na);
        return true;
      }
      if (report === 'not_yet') {
        say(run, 'engine.step_again', undefined, choicesOf(run, node));
        return true;
      }
      if (report === 'already') {
        // Tried before we asked and the problem is still there: record it and go on without repeating it.
        say(run, 'engine.step_already');
        answerStep(run, node, ACTIONS.notResolved);
        return true;
      }
      if (report === 'did') {
        say(run, 'engine.step_did', undefined, choicesOf(run, node));
        return true;
      }
      if (report === 'fixed' && nlu.intent !== 'not_resolved') {
        answerStep(run, node, ACTIONS.resolved);
        return true;
      }
      if (report === 'failed' && (!isEntry(run, nlu.intent) || nlu.intent === s.intent)) {
        answerStep(run, node, ACTIONS.notResolved);
        return true;
      }
      if (nlu.intent === 'affirm') {
        // 「はい」「ok」 after a step usually means "okay, trying" — never read it as "fixed".
        say(run, 'engine.ack', undefined, choicesOf(run, node));
        return true;
      }
      if (nlu.intent === 'resolved' || is('engine.button.resolved')) {
        answerStep(run, node, ACTIONS.resolved);
        return true;
      }
      if (nlu.intent === 'not_resolved' || nlu.intent === 'deny' || is('engine.button.not_resolved')) {
        answerStep(run, node, ACTIONS.notResolved);
        return true;
      }
      if (node.help && is('engine.button.help')) {
        answerStep(run, node, ACTIONS.help);
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

/**
 * What free text says about the step on screen, before any classifier: fixed, still failing, not tried yet,
 * tried before being asked ("already"), done with no result given, or does not apply to this person ("na").
 * undefined = says none of these.
 */
export function stepReport(text: string): 'fixed' | 'failed' | 'not_yet' | 'already' | 'did' | 'na' | undefined {
  const t = normalise(text);
  if (STEP_NOT_YET.test(t)) return 'not_yet';
  if (STEP_FIXED.test(t) && !/(?:直|治)ら|まだ|still|not/i.test(t)) return 'fixed';
  // Before "failed": 「VPNは使っていない」 is not "still broken", and "I'm not on Wi‑Fi" carries a "not".
  if (STEP_NA.test(t)) return 'na';
  if (STEP_FAILED.test(t)) return 'failed';
  if (STEP_ALREADY.test(t) && /(?:もう|既に|すでに|前に|以前|さっき|先ほど|先程|とっくに|最初に|already|tried)/i.test(t)) return 'already';
  if (STEP_DID.test(t) || STEP_ALREADY.test(t)) return 'did';
  return undefined;
}

function answerStep(run: Run, node: Extract<DialogNode, { kind: 'step' }>, value: string): void {
  if (value === ACTIONS.help && node.help) {
    say(run, node.help);
    say(run, 'engine.step_again', undefined, choicesOf(run, node));
    return;
  }
  if (value === ACTIONS.resolved) {
    recordStep(run, 'resolved');
    enter(run, node.resolved ?? run.ctx.tree.globals.resolved);
    return;
  }
  if (value === ACTIONS.na) {
    // Not "still broken": the ticket says the step did not apply, and the next step follows.
    say(run, 'engine.step_skipped');
    recordStep(run, 'skipped');
    enter(run, node.next);
    return;
  }
  recordStep(run, 'not_resolved');
  enter(run, node.next);
}

// ───────────────────────────── actions ─────────────────────────────

function stale(run: Run, node: DialogNode | undefined): void {
  if (!node) {
    say(run, 'engine.stale_choice');
    return enter(run, run.ctx.tree.start);
  }
  say(run, 'engine.stale_choice');
  prompt(run, node);
}

function onAction(run: Run, value: string, nonce: string | undefined): void {
  const { s, ctx } = run;
  const node = currentNode(run);
  // A click from an older set of buttons (another message, a double click already processed) is refused.
  if (nonce !== undefined && nonce !== String(s.offer)) return stale(run, node);
  if (value === ACTIONS.restart) return restart(run);
  if (value === ACTIONS.human) {
    if (s.status === 'escalated') return escalatedAlready(run);
    return leaveTo(run, ctx.tree.globals.handoff);
  }
  if (!node) return stale(run, node);
  switch (node.kind) {
    case 'ask': {
      const opt = node.options.find((o) => o.value === value);
      if (!opt) return stale(run, node);
      s.slots[node.slot] = opt.value;
      applySet(run, opt.set);
      return enter(run, opt.next ?? node.next);
    }
    case 'choice':
    case 'resolve': {
      const opt = node.options?.find((o) => o.value === value);
      if (!opt?.next) return stale(run, node);
      applySet(run, opt.set);
      return enter(run, opt.next);
    }
    case 'step':
      if (value === ACTIONS.resolved || value === ACTIONS.notResolved || (value === ACTIONS.help && node.help) || (value === ACTIONS.na && node.na))
        return answerStep(run, node, value);
      return stale(run, node);
    case 'handoff':
      if (value === ACTIONS.skip && s.pending?.length && s.status === 'active') return fileTicket(run);
      return stale(run, node);
    default:
      return stale(run, node);
  }
}

// ───────────────────────────── hand-off ─────────────────────────────

/** Ticket fields still unknown, in asking order. */
export function missingFields(s: ConversationState): HandoffField[] {
  const out: HandoffField[] = [];
  if (!s.slots.device && !s.collected.model) out.push('device');
  if (!s.slots.os_version && !s.collected.os) out.push('os');
  if (!s.slots.service && !s.slots.carrier) out.push('service');
  if (!s.errorText && !s.collected.errorMessage) out.push('errorMessage');
  if (!s.collected.occurredAt) out.push('occurredAt');
  if (!s.collected.frequency) out.push('frequency');
  return out;
}

/** One line per thing to ask; device+OS and time+frequency are asked together when both are missing. */
function fieldLines(run: Run, fields: HandoffField[]): string[] {
  const has = (f: HandoffField) => fields.includes(f);
  const keys: string[] = [];
  if (has('device') && has('os')) keys.push('engine.handoff.field.device_os');
  else if (has('device')) keys.push('engine.handoff.field.device');
  else if (has('os')) keys.push('engine.handoff.field.os');
  if (has('service')) keys.push('engine.handoff.field.service');
  if (has('errorMessage')) keys.push('engine.handoff.field.error_message');
  if (has('occurredAt') && has('frequency')) keys.push('engine.handoff.field.when_frequency');
  else if (has('occurredAt')) keys.push('engine.handoff.field.occurred_at');
  else if (has('frequency')) keys.push('engine.handoff.field.frequency');
  return keys.map((k) => t(run, 'engine.handoff.line', { text: t(run, k) }));
}

function askFields(run: Run, fields: HandoffField[], key: 'engine.handoff.ask' | 'engine.handoff.reask'): void {
  run.s.pending = fields;
  const lines = fieldLines(run, fields);
  say(run, key, { fields: lines.join('\n'), count: lines.length }, [button(run, 'engine.button.skip', ACTIONS.skip)]);
}

/** The conversation already has a ticket: say so (with its number once the pipeline assigned it). */
function escalatedAlready(run: Run): void {
  const id = run.s.ticketId;
  if (id) say(run, 'engine.escalated_already', { ticket: id });
  else say(run, 'engine.escalated_already_no_id');
}

function enterHandoff(run: Run, node: Extract<DialogNode, { kind: 'handoff' }>): void {
  const { s } = run;
  if (s.status === 'escalated') {
    // One escalation per episode: a second path into hand-off does not make a second ticket.
    escalatedAlready(run);
    return;
  }
  setStatus(run, 'active');
  say(run, node.say);
  const missing = missingFields(s);
  if (missing.length === 0) return fileTicket(run);
  s.handoffAsks = 1;
  askFields(run, missing, 'engine.handoff.ask');
}

function collect(run: Run, node: DialogNode, text: string, nlu: NluResult, facts: FieldFacts): void {
  const { s } = run;
  const pending = (s.pending ?? []) as HandoffField[];
  if (pending.includes('errorMessage')) {
    const masked = (x: string) => maskSecrets(x).text;
    if (facts.quotedError) s.errorText = masked(facts.quotedError);
    else if (facts.noError) s.collected.errorMessage = normalise(text);
    else if (nlu.entities.error_message) s.errorText = masked(text);
    else if (pending.length === 1 && !facts.dontKnow && text.trim()) s.errorText = masked(text.trim()); // asked alone: the answer is the text
  }
  // 「担当者と話したい」 first, the symptom only in the answer: the ticket still names the symptom.
  if ((!s.intent || s.intent === 'request_human') && ERROR_INTENTS.has(nlu.intent) && nlu.confidence >= SWITCH_CONFIDENCE) s.intent = nlu.intent;
  const missing = missingFields(s);
  // 「わからない」 or nothing understood twice: file with what we have (unknown fields say 不明).
  if (missing.length === 0 || facts.dontKnow || (s.handoffAsks ?? 1) >= 2) return fileTicket(run);
  s.handoffAsks = (s.handoffAsks ?? 1) + 1;
  askFields(run, missing, 'engine.handoff.reask');
  void node;
}

function fileTicket(run: Run): void {
  const { s, ctx, meta } = run;
  s.pending = undefined;
  s.handoffAsks = undefined;
  if (ctx.ticketId) s.ticketId = ctx.ticketId;
  if (!s.intent) s.intent = 'request_human';
  const ticket = buildTicket(s, meta, ctx);
  const steps = s.stepsTried.length
    ? s.stepsTried.map((x) => `${x.step} → ${t(run, `ticket.result.${x.result}`)}`).join(t(run, 'engine.handoff.step_separator'))
    : t(run, 'engine.handoff.no_steps');
  say(run, 'engine.handoff.filed', { steps, ticket: ctx.ticketId ?? '' });
  setStatus(run, 'escalated');
  run.effects.push({ type: 'ticket', ticket });
}
