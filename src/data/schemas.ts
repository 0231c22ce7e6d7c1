/**
 * zod schemas for the content folders: intents/, dialogs/, locales/. The loaders in this folder parse the YAML,
 * validate it with these schemas and keep line numbers so `mailmedic lint` can print `file:line: message`.
 */
import { z } from 'zod';
import { ACTS, ENTITY_VALUES, INTENTS, LOCALES } from '../core/index.js';

export const intentId = z.enum(INTENTS);
export const localeId = z.enum(LOCALES);

/** intents/<locale>/<intent>.yaml — training phrases of one intent in one language. */
export const intentFileSchema = z.strictObject({
  intent: intentId,
  locale: localeId,
  /** Phrases as people type them. Duplicates (after normalisation) are a lint error. */
  examples: z.array(z.string().min(1)).min(1),
  /**
   * Text that says the message is about mail without saying which symptom well enough to train the intent model on
   * (an error dialog or notice pasted alone, with no word for mail): read only by the domain detector, as `mail`
   * (src/nlu/engine.ts domainExamples). Symptom intents only (lint).
   */
  about_mail_only: z.array(z.string().min(1)).optional(),
});
export type IntentFile = z.infer<typeof intentFileSchema>;

export const actId = z.enum(ACTS);
/** intents/<locale>/acts/<act>.yaml: phrases of one reply act (domain.yaml `acts`), checked by lint like intents. */
export const actFileSchema = z.strictObject({
  act: actId,
  locale: localeId,
  examples: z.array(z.string().min(1)).min(1),
});
export type ActFile = z.infer<typeof actFileSchema>;

/** Held-out evaluation set (test/nlu/heldout.<locale>.yaml) — never read by training. */
export const heldoutFileSchema = z.strictObject({
  locale: localeId,
  examples: z.array(
    z.strictObject({
      text: z.string().min(1),
      intent: intentId,
      /** Expected entities; when present, entity exact-match is scored on this item. */
      entities: z.record(z.string(), z.string()).optional(),
      /**
       * far | near | answer — for out_of_scope items: far off-topic, near-domain (other IT topics), or a bare fact
       * answering the bot's question (「ドコモです」) whose entities the engine reads; answers count in neither recall.
       */
      kind: z.enum(['far', 'near', 'answer']).optional(),
    }),
  ),
});
export type HeldoutFile = z.infer<typeof heldoutFileSchema>;

/** locales/<locale>.yaml — nested maps of strings; keys are flattened with dots ("step.restart.say"). */
export type LocaleTree = { [k: string]: string | LocaleTree };
export const localeTreeSchema: z.ZodType<LocaleTree> = z.lazy(() =>
  z.record(z.string().regex(/^[a-z0-9_]+$/, 'locale keys are lower_snake_case'), z.union([z.string(), localeTreeSchema])),
);

// ───────────────────────────── dialogs/*.yaml ─────────────────────────────

/** A node id: lower_snake_case, unique across all dialog files. */
export const nodeId = z.string().regex(/^[a-z][a-z0-9_]*$/, 'node ids are lower_snake_case');
/** A locale key, e.g. "auth.reenter.say". Must exist in every locale (lint). */
export const localeKey = z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'locale keys are dotted lower_snake_case');
/** A slot name: an entity name (carrier, service, device, trigger, error_message, os_version) or one declared in `slots:`. */
export const slotName = z.string().regex(/^[a-z][a-z0-9_]*$/);

/**
 * A condition over slots: every listed slot must match (AND); a list of values matches any of them (OR).
 * Special values: "*" = the slot is filled with anything, "-" = the slot is empty.
 *   when: { carrier: [docomo, au], trigger: os_update }
 */
export const conditionSchema = z.record(slotName, z.union([z.string(), z.array(z.string()).min(1)]));
export type Condition = z.infer<typeof conditionSchema>;

/** Slot assignments made when an option is chosen or a node is entered, e.g. { cause: auth }. */
export const setSchema = z.record(slotName, z.string());

/**
 * Why an edge may lead to a backup checklist (a node with `backup:`) without a light step first on the way (`mailmedic
 * lint`, guide check 2b, wants one of these on such an edge): `asked` — the person asked for the heavy thing by name (the
 * how-to menu's button, a fact like `reinstall: profile`); `after_light` — the route case holds only once a light step
 * was done (its `when` wants a `done_*` slot filled, or an earlier case of the same route took the same case with it
 * empty); `order` — the guide's own order puts the checklist first (the device change: the old phone's removal).
 */
export const heavyReason = z.enum(['asked', 'after_light', 'order']);

/** One button of an ask/choice/resolve node. */
export const optionSchema = z.strictObject({
  /** Sent back as Turn.action; unique within the node. */
  value: z.string().regex(/^[a-z0-9_]+$/),
  /** Locale key of the button label. */
  label: localeKey,
  /** Where to go; for `ask`, defaults to the node's `next`. */
  next: nodeId.optional(),
  /** Free-text intents that count as choosing this option (e.g. [affirm], [error_send]). */
  intents: z.array(intentId).optional(),
  /**
   * Reply acts that count as choosing this option, read in the node's context (the act model): 「2段階認証ってどこで
   *確認するの？」 (how_to) at the 2FA question is its [わからない] option, which shows where to check.
   */
  acts: z.array(actId).optional(),
  /** Free-text entity values that count as choosing this option, e.g. { carrier: docomo }. */
  entities: z.record(slotName, z.union([z.string(), z.array(z.string())])).optional(),
  /**
   * Locale key of other ways people answer with this option in free text, '|'-separated
   * (e.g. 「受信だけ|送信は大丈夫」). Matched like the label: whole answer, or contained in it.
   */
  says: localeKey.optional(),
  set: setSchema.optional(),
  /** Why this button may lead to a backup checklist with no light step first (see heavyReason). */
  heavy: heavyReason.optional(),
  /**
   * The symptom this option stands for (an error or topic intent with an entry): a menu button such as [受信できない]
   * chooses the branch as 「受信できない」 typed would, so the conversation's symptom (state `intent`, the ticket's
   * intent, the transcripts' symptom) is known without a typed message. Set only while no symptom chose the branch yet.
   * `mailmedic lint` wants it on an option that goes straight into a symptom's walk, and on every option of the start menu.
   */
  symptom: intentId.optional(),
});
export type DialogOption = z.infer<typeof optionSchema>;

/** A section of the troubleshooting guide, as numbered in dialogs/guide.yaml (e.g. "§7"). */
export const guideSectionId = z.string().regex(/^§[1-9][0-9]*$/, 'guide sections are written §1, §2 …');
/**
 * What a destructive step deletes or resets: a configuration profile, a mail account (signing out of the Apple
 * Account included), the network settings. `mailmedic lint` wants a backup node for that kind on every path before
 * the step, and an explicit confirmation (a choice node with `confirm:` of that kind) right before it.
 */
export const destructiveKind = z.enum(['profile', 'account', 'network']);
export type DestructiveKind = z.infer<typeof destructiveKind>;
const kinds = z.union([destructiveKind, z.array(destructiveKind).min(1)]);
/** A node's `destructive:` / `backup:` / `confirm:` kinds as a list (one kind may be written alone). */
export const kindsOf = (v: DestructiveKind | DestructiveKind[] | undefined): DestructiveKind[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const base = {
  id: nodeId,
  /** The guide section(s) this node implements (coverage map; `mailmedic lint` counts them, `graph --by-section` colours them). */
  guide: z.array(guideSectionId).min(1).optional(),
  /** This node asks the person to delete or reset something (see destructiveKind). */
  destructive: kinds.optional(),
  /** This node shows the guide's backup checklist for these kinds (what to note before deleting or resetting). */
  backup: kinds.optional(),
  /** This choice node is the explicit confirmation ("noted — delete it") for these kinds. */
  confirm: kinds.optional(),
  /** Only enter this node when the condition holds; otherwise continue at `skip` (or `next`). */
  when: conditionSchema.optional(),
  /** Target when `when` does not hold; defaults to `next`. */
  skip: nodeId.optional(),
  /** Slot assignments made on entering the node. */
  set: setSchema.optional(),
  /** The answer group (dialogs/answers.yaml) saying what this node does with each reply act; default by kind. */
  answers: z.string().regex(/^[a-z][a-z0-9_]*$/).optional(),
  /**
   * The node's name for staff on the review page (analytics, improve, a conversation's path), `tree.<id>.title` in both
   * locales — never said to the person. Optional (since round 36): without it the page names the node by the first sentence
   * of its `say`; nodes whose `say` starts alike (nine device questions 「お使いの端末を教えてください…」) need one to read
   * apart. A step's `title` (required below) is also its name in the ticket.
   */
  title: localeKey.optional(),
};

/** Asks for one slot. Skipped when the slot is already filled (what the user said is never asked again). */
export const askNode = z.strictObject({
  ...base,
  kind: z.literal('ask'),
  slot: slotName,
  say: localeKey,
  /** Each option's `value` is the slot value it sets. */
  options: z.array(optionSchema).min(2),
  next: nodeId,
  /** The safe default (an option value) taken when the person cannot answer twice (repair `cannot_answer`). */
  default: z.string().optional(),
  /** The question alone, for a long `say` (a checklist): shown instead of the whole text when a fact leaves it standing. */
  again: localeKey.optional(),
  /** What the question asks and why, for 「どういう意味？」 "what do you mean?" (repair `explain_question`); else the general one. */
  explain: localeKey.optional(),
  /**
   * Words that only restate what the question is about (「受け取れない」 to 「送信はできますか？」, asked because receiving
   * fails): said as the whole reply, filler aside, they answer nothing — the question's explanation, then the question
   * (repair `explain_question`); said again, the safe `default:`. Checked before the options' words (which may hold the same words for a first message).
   */
  restated: localeKey.optional(),
  /**
   * Words that answer the question only in part (`says`: a locale key, '|'-separated like an option's) and the option
   * values they leave (`values`): "iOS Mail app" to "Which device is it?" is an iPhone or an iPad — which of the two is
   * asked, with those buttons only (leftovers-33), not the question again with all of them. With `slot:`, the same words
   * read in that slot's value said earlier (os_version 「iOS 18」 before 「お使いの端末は？」) narrow the question as it is
   * asked: only iPhone and iPad are offered, never Android (device-37).
   */
  narrows: z.array(z.strictObject({ says: localeKey, values: z.array(z.string()).min(2), slot: slotName.optional() })).optional(),
});

/** A question whose answer chooses the branch. */
export const choiceNode = z.strictObject({
  ...base,
  kind: z.literal('choice'),
  say: localeKey,
  options: z.array(optionSchema).min(2),
  /** The question alone, for a long `say` (the backup checklist): shown instead of the whole text when a fact leaves it standing. */
  again: localeKey.optional(),
  /** What the question asks and why, for 「どういう意味？」 (repair `explain_question`); else the general one. */
  explain: localeKey.optional(),
  /** Words that only restate what the question is about (see the ask node's `restated`). */
  restated: localeKey.optional(),
});

/**
 * One troubleshooting step. The engine offers [直った] [まだダメ] (+ [やり方がわからない] when `help` is set),
 * records the step and its result in state, goes to the resolve node on "resolved" and to `next` otherwise.
 */
export const stepNode = z.strictObject({
  ...base,
  kind: z.literal('step'),
  /** Short name of the step for the ticket's 実施手順と結果, e.g. "step.restart.title". */
  title: localeKey,
  say: localeKey,
  /** Detailed how-to shown on "やり方がわからない", then the same step is asked again. */
  help: localeKey.optional(),
  /** A more detailed explanation for a second 「やり方がわからない」 (repair `help_loop`); else the general one. */
  help_detail: localeKey.optional(),
  /**
   * Locale key of the ways people say this step does not apply to them, '|'-separated (「VPNは使っていない」
   * "I'm not on Wi-Fi"). When set the engine also offers a [該当しない] button; the answer (or the engine's general
   * "doesn't apply" wording at any step) records the step as 'skipped' and goes to `next`.
   */
  na: localeKey.optional(),
  /**
   * Locale key of the ways people say they did this very step, '|'-separated, contained in the reply (「アプリ用パスワード
   * 作りました」 "I created the app password" at the app-password step): the step done, did it help? — where the words
   * also name the step's how-to topic (the intent model reads howto_app_password) and the act model reads no act.
   */
  done: localeKey.optional(),
  /**
   * What this light step itself asks to delete (the outbox's stuck mail, photos and apps for space, old mail for the
   * mailbox quota) and how to keep what is wanted: said instead of "nothing is deleted" when the person asks
   * 「消えない？」 at the step (move `reassure`). `mailmedic lint` requires it on a step whose text asks to delete anything
   * without being `destructive`.
   */
  removes: localeKey.optional(),
  /**
   * This step's own answer to its safety question — 「これってウイルス?」 「信頼していいの？」 "can I trust it?" at the
   * certificate step (words `engine.says.trust_words`, asked as a question): when to trust and when not, from the step's
   * own data (the name matches the provider's; not on public Wi‑Fi or with an unknown name), then the step again
   * (answers.ts asksTrustAtStep). Without it such a question got 「うまく読み取れませんでした」 (trial-ja-33 #1).
   */
  trust: localeKey.optional(),
  next: nodeId,
  /** Where "resolved" goes; defaults to the tree's `globals.resolved`. */
  resolved: nodeId.optional(),
});

/** A message (table, checklist, explanation) followed immediately by `next` in the same turn. */
export const infoNode = z.strictObject({
  ...base,
  kind: z.literal('info'),
  say: localeKey,
  next: nodeId,
});

/** Pure routing on slots: the first case whose `when` holds wins, else `default`. Says nothing. */
export const routeNode = z.strictObject({
  ...base,
  kind: z.literal('route'),
  cases: z.array(z.strictObject({ when: conditionSchema, next: nodeId, heavy: heavyReason.optional() })).min(1),
  default: nodeId,
});

/** The problem is fixed: status → resolved. Optional follow-up options (e.g. the prevention checklist). */
export const resolveNode = z.strictObject({
  ...base,
  kind: z.literal('resolve'),
  say: localeKey,
  options: z.array(optionSchema).optional(),
});

/**
 * Hand-off to a person: asks only for the ticket fields still missing (device/os, service/carrier,
 * error text, time and frequency), then emits the ticket effect; status → escalated.
 */
export const handoffNode = z.strictObject({
  ...base,
  kind: z.literal('handoff'),
  say: localeKey,
});

/** The conversation is over without a fix or a ticket (goodbye, "no thanks"): status → ended. */
export const endNode = z.strictObject({
  ...base,
  kind: z.literal('end'),
  say: localeKey,
});

export const dialogNodeSchema = z.discriminatedUnion('kind', [
  askNode,
  choiceNode,
  stepNode,
  infoNode,
  routeNode,
  resolveNode,
  handoffNode,
  endNode,
]);
export type DialogNode = z.infer<typeof dialogNodeSchema>;
export type NodeKind = DialogNode['kind'];

/** One dialogs/*.yaml file. `globals`, `start` may appear in exactly one file (dialogs/main.yaml). */
export const dialogFileSchema = z.strictObject({
  /** The node a new conversation starts at when the first message has no symptom (a greeting). */
  start: nodeId.optional(),
  globals: z
    .strictObject({
      /** Where request_human goes. */
      handoff: nodeId,
      /** Where a step answered "resolved" (or free text 「直った」) goes. */
      resolved: nodeId,
      /** Where goodbye / "nothing more" goes. */
      end: nodeId,
      /** Where a conversation that has ended/resolved restarts for a new symptom with none recognised. */
      triage: nodeId,
      /**
       * The FAQ's answer to 「メールアカウントエラーとは？」 (what the error is, the order to check things). Optional; the
       * engine may send a first message that asks what the error *is* here instead of to the error's entry.
       */
      faq: nodeId.optional(),
    })
    .optional(),
  /** Slots beyond the entity names, with their allowed values (lint checks conditions against them). */
  slots: z.record(slotName, z.array(z.string()).min(1)).optional(),
  /**
   * Facts people state in passing, by slot and value → the locale key of the words that state it ('|'-separated,
   * either language, contained and not negated): 「送信はできます」 → scope: receive, 「2段階認証はオンです」 → two_factor: on.
   * Read from every text turn like an entity (src/dialog/facts.ts): a reply that states one is noted — it is no new
   * symptom — and a later question it answers (an ask node's slot, a node whose `when` it settles) is not asked.
   */
  facts: z.record(slotName, z.record(z.string(), localeKey)).optional(),
  /**
   * A fact that is a walk's own symptom gone, by slot and value → the symptoms (entry intents) it contradicts: 「受信は
   * 大丈夫になりました」 (scope: send, "receiving works") in the receiving walk is that walk's "fixed" — the step's fixed
   * result, at a question the resolve node — not the other side working (which in the sending walk it stays).
   */
  fact_fixes: z.record(slotName, z.record(z.string(), z.array(intentId).min(1))).optional(),
  /**
   * A fact that is one side of a two-sided symptom gone, by slot, the value it held and the fact's value → the symptom
   * still broken: 「受信は大丈夫になった」 (scope: send) in the walk where both sides failed (scope: both) is no "fixed"
   * (fact_fixes) — the slot takes the fact's value and the walk of the side still broken (error_send) goes on.
   */
  fact_narrows: z.record(slotName, z.record(z.string(), z.record(z.string(), intentId))).optional(),
  /**
   * A fact that names the symptom, by slot and value → the symptom (an entry intent): 「迷惑メールフォルダに入ってしまう」
   * "my emails end up in the junk folder" (junk: lands) is mail that arrives, in the junk folder — the not-arriving walk,
   * whatever symptom the intent model reads in the rest of the words ("end up" read error_send). Stated before any
   * walk is chosen (a first message, the menu, a new episode), the fact's symptom is the one walked.
   */
  fact_symptoms: z.record(slotName, z.record(z.string(), intentId)).optional(),
  /**
   * Fact slots a question states too: asking how to send a big file (『巨大なファイルを相手に届けるベストな方法は?』,
   * big_file: howto) is the fact itself. Other facts are not stated by a question or a doubt ("where do I check if 2FA is
   * on?" states no two_factor).
   */
  fact_questions: z.array(slotName).optional(),
  /** Intent → first node. A symptom intent seen at any node switches to its entry. */
  entries: z.partialRecord(intentId, nodeId).optional(),
  /** The guide's sections and backup checklists (dialogs/guide.yaml only), read by src/data/guide.ts. */
  guide: z.lazy(() => guideListSchema).optional(),
  /** A file may hold no nodes (dialogs/guide.yaml). */
  nodes: z.array(dialogNodeSchema).default([]),
});
export type DialogFile = z.infer<typeof dialogFileSchema>;

/** The whole tree after loading every dialogs/*.yaml. */
export interface DialogTree {
  start: string;
  globals: NonNullable<DialogFile['globals']>;
  slots: Record<string, string[]>;
  /** Stated facts: slot → value → locale key of the words that state it (see dialogFileSchema `facts`). */
  facts?: Record<string, Record<string, string>>;
  /** Stated facts that are a walk's symptom gone: slot → value → the symptoms (see dialogFileSchema `fact_fixes`). */
  factFixes?: Record<string, Record<string, string[]>>;
  /** Facts that narrow a two-sided value instead of fixing the walk: slot → value held → value → symptom (see `fact_narrows`). */
  factNarrows?: Record<string, Record<string, Record<string, string>>>;
  /** Stated facts that name the symptom: slot → value → symptom (see dialogFileSchema `fact_symptoms`). */
  factSymptoms?: Record<string, Record<string, string>>;
  /** Fact slots a question states too (`fact_questions`). */
  factQuestions?: string[];
  entries: Partial<Record<(typeof INTENTS)[number], string>>;
  nodes: Map<string, DialogNode>;
  /** Node id → source file and line, for lint messages. */
  sources: Map<string, { file: string; line: number }>;
  /** A hash of the tree's content; stored in conversation state so a changed tree is noticed. */
  version: string;
  /** Repair rules of dialogs/patterns.yaml (DEFAULT_PATTERNS when the tree has none). */
  patterns?: Patterns;
  /** Answer groups of dialogs/answers.yaml (DEFAULT_ANSWERS when the tree has none). */
  answers?: Answers;
}

// ───────────────────────────── dialogs/guide.yaml ─────────────────────────────

/** One section of the guide: its number, the guide's own heading (verbatim) and an English gloss. */
export const guideSectionSchema = z.strictObject({
  id: guideSectionId,
  /** The chapter heading the section sits under (verbatim). */
  chapter: z.string().min(1),
  /** The section's heading, verbatim from the guide. */
  heading: z.string().min(1),
  /** The heading in English, for the README and the graph legend. */
  en: z.string().min(1),
});
export type GuideSection = z.infer<typeof guideSectionSchema>;

/**
 * One item of a backup checklist: words of which at least one must appear in the checklist's text, per locale
 * ("パスワード|ID" …). Lint checks that every backup node of that kind names every item, in every locale.
 */
export const backupItemSchema = z.strictObject({ item: z.string().min(1), ja: z.string().min(1), en: z.string().min(1) });

/** One of the guide's ordered lists (steps, a table's rows) and the nodes whose text reproduces it. */
export const guideOrderedListSchema = z.strictObject({
  section: z.string().regex(/^§\d+$/),
  /** What the list is, for messages: 「au の5つの手順」. */
  name: z.string().min(1),
  nodes: z.array(z.string().min(1)).min(1),
  items: z.array(backupItemSchema).min(2),
});

/**
 * One of the guide's multi-step sections that the tree walks one node per step (guide-36): `steps` in the guide's order,
 * each a node or its device/route variants ([net_vpn, net_vpn_android]). Lint check 6 walks every path of the tree.
 */
export const guideWalkSchema = z.strictObject({
  section: z.string().regex(/^§\d+$/),
  /** What the walk is, for messages: "the network walk". */
  name: z.string().min(1),
  steps: z.array(z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).min(2),
});
export type GuideWalk = z.infer<typeof guideWalkSchema>;

export const guideListSchema = z.strictObject({
  /** The guide's file under shared/reference. */
  source: z.string().min(1),
  sections: z.array(guideSectionSchema).min(1),
  /** What to note before each kind of destructive step (the guide's 5-item list; the network reset's table). */
  backups: z.partialRecord(destructiveKind, z.array(backupItemSchema).min(1)),
  /**
   * The guide's ordered lists that the tree says in one message (guide-35): every node named shows every item (one of
   * its |-separated words, in each locale) in the guide's order.
   */
  lists: z.array(guideOrderedListSchema).default([]),
  /**
   * The guide's multi-step sections as the tree walks them (guide-36): along every path, no step is shown after a later
   * step of the same walk without a start over (the start, a global) in between, and a destructive step only after the
   * walk's backup step of its kind.
   */
  walks: z.array(guideWalkSchema).default([]),
});
export type GuideList = z.infer<typeof guideListSchema>;

// ───────────────────────────── repair patterns (dialogs/patterns.yaml) ─────────────────────────────

/**
 * Repair rules (after Rasa's default_flows.yml): conversation repairs that apply at any node, tried in the
 * file's order before the answer at the node is read. Each is implemented once in src/dialog/repairs.ts;
 * the file chooses which exist, their order and their parameters.
 */
export const repairSchema = z.discriminatedUnion('rule', [
  /**
   * A message that is only a password (「暗証番号 0000 を入れた」, "my password is hunter2"): masked and warned, it carries
   * no symptom and no answer — the menu, or the question or step on screen again. `filler`: a locale key of the words
   * around a typed password that add nothing to it (besides `engine.says.filler`).
   */
  z.strictObject({ rule: z.literal('secret_only'), filler: localeKey }),
  /** 「やっぱりまだダメ」 right after a step was answered "fixed": that step's result is corrected and the branch goes on. */
  z.strictObject({ rule: z.literal('correction') }),
  /** 「担当者と話したい」 anywhere: to the hand-off node (or "already handed off"). */
  z.strictObject({
    rule: z.literal('wants_person'),
    /** In an open episode, a request read by the act model alone (not the intent) must hold this share of the node's candidates. */
    min_share: z.number().min(0).max(1).optional(),
    /**
     * A locale key of words that ask for a person in so many words, as a question ("who do i call", 「誰に連絡すれば」): a
     * request whatever the act model reads (it read "who do i call" how_to at a step and showed the step's how-to).
     */
    words: localeKey.optional(),
    /**
     * A locale key of a service's robot check quoted in an error ("We need to check you're a real person", Yahoo's
     * sending check): a text holding them asks for no person by the act model's reading alone (trial-en-35 #1).
     */
    except: localeKey.optional(),
  }),
  /**
   * 「もういいです」 "never mind": end politely (offering a person once when `offer_person`). In an open episode the act
   * model's reading in context must hold at least `min_share` of the candidates (default: the sure share, 0.8).
   */
  z.strictObject({ rule: z.literal('give_up'), offer_person: z.boolean(), min_share: z.number().min(0).max(1).optional() }),
  /**
   * 「このボット使えない」 "the bot is stupid": the person is still stuck — sorry, a person first, the node's buttons kept. The
   * reading in context must hold at least `min_share` of the candidates (default: the sure share, 0.8).
   */
  z.strictObject({ rule: z.literal('frustration'), min_share: z.number().min(0).max(1).optional() }),
  /** 「メールがおかしい」 as a first message: ask which symptom rather than walk a guessed branch. */
  z.strictObject({
    rule: z.literal('vague_first_message'),
    /**
     * A vague first message that names what changed (「iOSアップデートしてからメールの調子が悪い」) starts the walk of
     * that change (§3): the symptom whose entry routes by the trigger, per trigger value. Tried in order.
     */
    changed: z.array(z.strictObject({ trigger: z.enum(ENTITY_VALUES.trigger), intent: intentId })).optional(),
  }),
  /** 「やり方がわからない」 typed at a step with help: show the help, then the step again. */
  z.strictObject({
    rule: z.literal('help_at_step'),
    /**
     * How-to topics whose own intent, read again at one of the topic's steps, asks how to do that step: 「アプリパスワードを
     * 作ったけどどこに入れればいいの？」 at the paste step of the app-password walk (read howto_app_password, the act model's
     * `other`) is the step's help, not "that's what we're working on".
     */
    topics: z.array(intentId).optional(),
  }),
  /**
   * 「パスワード知らない」 "I forgot my password" at a step or question: where a password is checked and reset (the service's
   * own account page — never this chat), then the node again. `words`: a locale key of the '|'-separated phrases that say so.
   */
  z.strictObject({
    rule: z.literal('unknown_password'),
    words: localeKey,
    /** A locale key of words saying the password was reset or changed already (「忘れたので再設定した」): a result, not this. */
    except: localeKey.optional(),
  }),
  /** 「わからない」 to a question twice: the node's safe `default:` option, or a person as the main choice. */
  z.strictObject({
    rule: z.literal('cannot_answer'),
    /**
     * Words that say the person never tried what is asked (「送ったことない」 "never sent anything yet" at 「送信は
     * できますか？」): they cannot tell — at a question with a `default:`, that default at once, never an option's "no"
     * nor the symptom the words name (a locale key of '|'-separated words).
     */
    untried: localeKey.optional(),
  }),
  /** 「どういう意味？」 "what do you mean?" at a question: what it asks (the node's `explain:`), then the question again. */
  z.strictObject({ rule: z.literal('explain_question') }),
  /** 「送信サーバーってどこ？」 at a step or question: where that setting is on the person's device, then the node again. */
  z.strictObject({ rule: z.literal('where_setting') }),
  /**
   * 「一番近い駅はどこ？」 "where's the nearest station?" at a step or question: a where-question about something neither
   * mail nor the node talks about — the bot says what it helps with and shows the node again (not the step's help).
   * `words`: a locale key of the question's own words (「ですか」, "is", "the") that name nothing.
   */
  z.strictObject({ rule: z.literal('off_topic_question'), words: localeKey }),
  /**
   * "should i format the phone?" at a node that asks for no deletion (nor backs one up or confirms it), or at the symptom
   * question of the two-stage fallback: not needed now — light steps first, nothing deleted without a backup and the
   * person's OK — then the node again. `words`: a locale key of the destructive actions' words (format, factory reset,
   * delete the account, 初期化, アカウント削除); `ask`: words that make it a question (beside a trailing "?"). `bare`: words
   * that are destructive only said bare (リセット, "reset it": also the network reset), not beside `except` (ネットワーク,
   * Wi‑Fi, パスワード) nor at a node whose own text names them.
   */
  /**
   * 「SSLなしにしてもいいの？」 "can I just turn SSL off?" at a step or question: a question whether to do what the guide
   * advises against. Each topic: `words` (a locale key of what is asked about) and `say` (the answer: no, and why); `ask`:
   * words that make it a question (beside a trailing "?"). The answer, then the node again.
   */
  z.strictObject({
    rule: z.literal('unsafe_question'),
    ask: localeKey,
    topics: z.array(z.strictObject({ words: localeKey, say: localeKey })).min(1),
  }),
  z.strictObject({ rule: z.literal('destructive_question'), words: localeKey, ask: localeKey, bare: localeKey.optional(), except: localeKey.optional() }),
  /** A correction (「いや一部じゃなくて全部」): to what the person corrects to, never recorded as 「まだダメ」. */
  z.strictObject({
    rule: z.literal('reroute'),
    /**
     * What a correction's words name when the model reads no sure symptom in them (「全部来ない」 is a fragment):
     * a locale key of '|'-separated words, and the symptom (intent) they stand for. Tried in order.
     */
    symptoms: z.array(z.strictObject({ says: localeKey, intent: intentId })).optional(),
    /**
     * Words that say the bot took the reply the wrong way and nothing more (「いや、そういう話じゃないです」 "that's not
     * what I meant"), as the whole reply, filler aside: a correction that names nothing — which answer was wrong is asked,
     * never recorded as 「まだダメ」 (the act model reads them deny).
     */
    not_that: localeKey.optional(),
  }),
]);
export type Repair = z.infer<typeof repairSchema>;
export type RepairName = Repair['rule'];

/** dialogs/patterns.yaml. */
export const patternsFileSchema = z
  .strictObject({
    repairs: z.array(repairSchema),
    /** Text the bot cannot place gets a clarifying question; from this many misses in a row it also offers a person. */
    clarify: z.strictObject({
      offer_person_after: z.number().int().min(1),
      /** From this many misses in a row a person is the main choice (a different answer, not the same clarify again). */
      person_first_after: z.number().int().min(1).optional(),
    }),
    /**
     * After filing (policy rule `after_filing`): a symptom typed while the ticket is open is a new detail of the ticket,
     * unless it is clearly another problem — it names another value of an entity in `differ_by` than the ticket had (both
     * known: iCloud → Gmail, iPhone → iPad), or a symptom of another side of `sides` than the ticket's (receiving →
     * sending). Then the person is asked whether to start a new consultation or add it to the ticket.
     */
    after_filing: z
      .strictObject({
        differ_by: z.array(z.enum(['service', 'carrier', 'device'])),
        sides: z.record(z.string().regex(/^[a-z_]+$/), z.array(intentId).min(1)),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    p.repairs.forEach((r, i) => {
      if (p.repairs.findIndex((x) => x.rule === r.rule) < i) ctx.addIssue({ code: 'custom', message: `repair rule ${r.rule} is listed twice`, path: ['repairs', i, 'rule'] });
    });
  });
export type Patterns = z.infer<typeof patternsFileSchema>;

/** The repairs when a tree comes without dialogs/patterns.yaml (test trees): the product's behaviour. */
export const DEFAULT_PATTERNS: Patterns = {
  repairs: [
    { rule: 'secret_only', filler: 'engine.says.secret_filler' },
    { rule: 'correction' },
    { rule: 'wants_person', min_share: 0.5, words: 'engine.says.asks_person', except: 'engine.says.robot_check' },
    { rule: 'give_up', offer_person: true, min_share: 0.5 },
    { rule: 'frustration', min_share: 0.6 },
    {
      rule: 'vague_first_message',
      changed: [
        { trigger: 'os_update', intent: 'error_cannot_fetch' },
        { trigger: 'device_change', intent: 'migration_device_change' },
        { trigger: 'password_change', intent: 'error_auth' },
        { trigger: 'settings_change', intent: 'error_auth' },
      ],
    },
    {
      rule: 'reroute',
      symptoms: [
        { says: 'engine.says.all_mail', intent: 'error_cannot_fetch' },
        { says: 'engine.says.some_mail', intent: 'mail_not_arriving' },
      ],
      not_that: 'engine.says.not_that',
    },
    { rule: 'where_setting' },
    { rule: 'off_topic_question', words: 'engine.says.question_words' },
    { rule: 'explain_question' },
    { rule: 'unknown_password', words: 'engine.says.unknown_password', except: 'engine.says.password_reset_done' },
    { rule: 'unsafe_question', ask: 'engine.says.destructive_ask', topics: [{ words: 'engine.says.ssl_off_words', say: 'engine.ssl_off_not' }] },
    { rule: 'destructive_question', words: 'engine.says.destructive_words', ask: 'engine.says.destructive_ask', bare: 'engine.says.destructive_bare', except: 'engine.says.destructive_bare_except' },
    { rule: 'help_at_step', topics: ['howto_app_password', 'howto_carrier_setup', 'howto_network_reset', 'howto_backup'] },
    { rule: 'cannot_answer', untried: 'engine.says.never_tried' },
  ],
  clarify: { offer_person_after: 2, person_first_after: 3 },
  after_filing: {
    differ_by: ['service', 'carrier', 'device'],
    sides: { send: ['error_send'], receive: ['error_cannot_fetch', 'mail_not_arriving', 'error_push'] },
  },
};

// ───────────────────────────── answer groups (dialogs/answers.yaml) ─────────────────────────────

/**
 * What a node does with a reply act (issue 12): the engine's moves, named. A group maps acts to moves; every node uses
 * the group of its kind (`defaults`) unless it names another (`answers:`). The acts a node's group lists are the acts
 * it accepts: the act model is read in that context (with the acts that hold anywhere, domain.yaml `anywhere`).
 */
export const ANSWER_MOVES = [
  /** step: recorded as fixed, to the resolve node; handoff: a sure "fixed" closes instead of answering the form. */
  'resolved',
  /** step: recorded as still broken, the next step. */
  'not_resolved',
  /** step: recorded as not applying (skipped), the next step. */
  'n_a',
  /** step: "do it, then tell me" — the step again. */
  'again',
  /** step: tried before we asked, still broken: recorded, the next step (no repeat). */
  'already',
  /** step: done, but did it help? — the step's buttons again. */
  'ask_result',
  /** step: how long the step takes to show its effect, the buttons again. */
  'wait',
  /** step with help: the help, then the step again (second time: repair help_loop). */
  'help',
  /** "okay" — acknowledged, the same question again. */
  'ack',
  /** resolve: the first follow-up option. */
  'first_option',
  /** resolve: to the end node. */
  'end',
  /** ask / choice: the person cannot answer (repair cannot_answer: hint, then the safe default or a person). */
  'cannot_answer',
  /** ask / choice: the option whose `intents` name the act's intent (yes → the option for affirm). */
  'option',
  /** resolve: "still broken after all" — the step answered "fixed" is corrected (repair correction). */
  'reopen',
  /** handoff: an answer to the form, collected as it is (「わからない」 files the ticket with what is known). */
  'form',
  /** ask / choice: a report of steps done (「再起動したけどダメ」) — noted (the steps it names are marked done), the question again. */
  'noted',
  /** step / ask / choice: 「VPNってなに？」 "what is IMAP?" — the glossary's explanation of each term named (dialogs/answers.yaml `glossary`), then the node again. */
  'explain',
  /** step / ask / choice: "is it safe? will I lose my mail?" — what this node deletes and keeps (its `destructive:` or `backup:` kinds, or nothing for a light step), then the node again. */
  'reassure',
] as const;
export type AnswerMove = (typeof ANSWER_MOVES)[number];
const groupName = z.string().regex(/^[a-z][a-z0-9_]*$/);
/**
 * A term people ask about mid-conversation (「VPNってなに？」): the words that name it in any locale (Latin words match
 * as whole words, case-insensitive; others as contained text). Its explanation is the locale key tree.glossary.<id>.
 * `topic`: the how-to topic the term itself is ("what's an app password?" opens howto_app_password); a term without
 * one is explained where it is asked even when the intent model leans to a topic ("what's a profile?" is no request
 * to set up carrier mail). `step`: the `done_*` slot of the light step about the term — 「使ってない」 right after the
 * term was explained is that step not applying, as if the term had been named (「VPNは使ってない」).
 */
/** The places a glossary term's setting is described for (`where: true`): iPhone/iPad, Android, device unknown. */
export const WHERE_PLATFORMS = ['ios', 'android', 'none'] as const;
export const glossaryTermSchema = z.strictObject({
  words: z.array(z.string().min(1)).min(1),
  topic: intentId.optional(),
  step: slotName.optional(),
  /** The term is a setting with a place on the device: 「送信サーバーってどこ？」 is answered from tree.glossary_where.<id>.<ios|android|none>. */
  where: z.boolean().optional(),
  /**
   * The node that answers what the term is (faq-36: `account_error` → faq_what, the FAQ's 「メールアカウントエラーとは」):
   * a what-is question about it as the first message (「メールアカウントエラーって何ですか」 "what is a mail account
   * error?") opens that node instead of the walk the intent model reads; the term named as a symptom
   * (「メールアカウントエラーが出ます」) is no what-is question and walks as usual.
   */
  node: nodeId.optional(),
});
export const answersFileSchema = z.strictObject({
  /** Node kind → the group its nodes use unless they name one. */
  defaults: z.record(z.string(), groupName),
  groups: z.record(groupName, z.partialRecord(actId, z.enum(ANSWER_MOVES))),
  /** What the move `explain` answers from: term id → its words. */
  glossary: z.record(groupName, glossaryTermSchema).optional(),
  /**
   * Per act whose move closes the episode (fixed → resolved), when its reading is asked about first instead of closing:
   * `share` — below this share of the node's candidates, at a step, when nothing else supports it; `words` — a locale
   * key whose `|`-separated words say the act (「直っ」「解決し」 "fixed" "works"): a reply that holds them only negated
   * (「直っていません」 "it is not resolved") is asked about whatever the models read; `partial` — a locale key whose words
   * say only part of it works (「何通かは」「一部は」 "some emails"): a reply that says the act with them is asked about;
   * `temporary` — a locale key whose words say it works only for a while or only after a workaround each time
   * (「しばらくするとまたダメ」 "I have to accept the certificate again then it works"): no fix — said so, still broken.
   * `works_again` — a locale key whose words say in so many words that it works again (「治りました」「うまくいきました」
   * "it worked" "solved"): a reply that says them (not negated, hedged, partial or temporary) while read as still broken
   * or as a yes is asked "did that fix it?", never recorded 「まだダメ」.
   * `changed` — a locale key whose words say a different error shows now (「別のエラーが出る」 "a different error now"):
   * no fix — said so, still broken (the new words, when quoted, go to the ticket like any error text).
   * `before` — a locale key whose words say it worked until some time and stopped (「それまでは問題なく動いていました」
   * "was working flawlessly" — its "working" read as fixed, surely): when it started, no fix — noted, the node again.
   */
  confirm: z
    .partialRecord(
      actId,
      z.strictObject({
        share: z.number().min(0).max(1),
        words: z.string().optional(),
        partial: z.string().optional(),
        temporary: z.string().optional(),
        works_again: z.string().optional(),
        changed: z.string().optional(),
        before: z.string().optional(),
        problem: z.string().optional(),
      }),
    )
    .optional(),
});
export type Answers = z.infer<typeof answersFileSchema>;

/** The answer groups when a tree comes without dialogs/answers.yaml (test trees): the product's behaviour. */
export const DEFAULT_ANSWERS: Answers = {
  defaults: { step: 'step', resolve: 'resolve', ask: 'question', choice: 'question', handoff: 'form' },
  groups: {
    step: {
      fixed: 'resolved', still_broken: 'not_resolved', deny: 'not_resolved', not_applicable: 'n_a', not_yet: 'again',
      already_tried: 'already', did_no_result: 'ask_result', how_long: 'wait', how_to: 'help', dont_know: 'help', affirm: 'ack', is_it_safe: 'reassure', what_is: 'explain',
    },
    resolve: { affirm: 'first_option', deny: 'end', thanks: 'end', goodbye: 'end', fixed: 'end', still_broken: 'reopen' },
    question: { dont_know: 'cannot_answer', how_to: 'cannot_answer', affirm: 'option', deny: 'option', is_it_safe: 'reassure', what_is: 'explain' },
    form: { dont_know: 'form', how_to: 'form', affirm: 'form', deny: 'form', not_yet: 'form', fixed: 'resolved', still_broken: 'form' },
  },
};

// ───────────────────────────── the domain (domain.yaml) ─────────────────────────────

/** Roles of intents (domain.yaml `intents.<id>.role`). Symptoms are `error` and `topic`. */
export const INTENT_ROLES = ['error', 'topic', 'small_talk', 'answer', 'control', 'out_of_scope'] as const;
export type IntentRole = (typeof INTENT_ROLES)[number];

/** Entities whose values domain.yaml lists (os_version is taken as written). */
export const DOMAIN_ENTITIES = ['carrier', 'service', 'device', 'trigger', 'error_message'] as const;

const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _');

/** One word list entry: a synonym (plain string) or a regular expression (`re:`; {L}/{R} = Latin word boundary). */
export const synonymSchema = z.union([
  z.string().min(1),
  z.strictObject({
    re: z.string().min(1).refine((re) => {
      try {
        new RegExp(re.replaceAll('{L}', '').replaceAll('{R}', ''));
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression'),
  }),
]);

export const entityValueSchema = z.strictObject({
  synonyms: z.array(synonymSchema).min(1),
  /** Latin words (5+ letters) also matched with one edit (typo matching). */
  typos: z.array(z.string().regex(/^[a-z]{5,}$/, 'lower-case Latin, 5 letters or more')).optional(),
  /** error_message only: the intent the error string stands for when it is (nearly) the whole message. */
  intent: identifier.optional(),
});

/** domain.yaml: intents with their roles, entity values with the words that name them. */
export const domainFileSchema = z.strictObject({
  intents: z.record(identifier, z.strictObject({ role: z.enum(INTENT_ROLES) })),
  /** Reply acts (issue 12): the intent an act stands for, and whether every node accepts it. */
  acts: z.record(identifier, z.strictObject({ intent: intentId.optional(), anywhere: z.boolean().optional() })).optional(),
  entities: z.strictObject(Object.fromEntries(DOMAIN_ENTITIES.map((e) => [e, z.record(identifier, entityValueSchema)])) as Record<(typeof DOMAIN_ENTITIES)[number], z.ZodRecord<typeof identifier, typeof entityValueSchema>>),
});
export type DomainFile = z.infer<typeof domainFileSchema>;
