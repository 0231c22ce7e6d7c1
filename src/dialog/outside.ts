/**
 * Text when no node waits for an answer (the first turn, a parked conversation) or the episode is over
 * (resolved, ended, escalated): a symptom starts its branch (a new episode after the last one), small talk gets
 * its answer, anything else starts at the menu or at triage.
 */
import type { Intent, MessageParam, NluResult } from '../core/index.js';
import { escalatedAlready, resolvedAfterHandoff } from './handoff.js';
import { resumeDetour } from './actions.js';
import { aboutOtherMessaging, matchWords, meaningNode, textMentions } from './answers.js';
import { message, msg, say, slotParams, type Run } from './run.js';
import { enter, isEntry, newEpisode, switchTo } from './tree.js';

/**
 * First-message readings that place no symptom: nothing (the line above: read under MIN_CONFIDENCE, "the error keeps
 * coming back…" resolved 0.40, 「何度やってもエラーが消えない」 not_resolved 0.29) or "still broken" (see `outside`). A sure
 * "fixed" ("the error is gone now, thanks") is not asked which error.
 */
const SAYS_NOTHING_PLACED: ReadonlySet<string> = new Set(['out_of_scope', 'not_resolved']);

/** Intents with an entry that still do not start a branch from outside: small talk and yes/no. */
export const NOT_A_TOPIC: ReadonlySet<string> = new Set(['greeting', 'thanks', 'goodbye', 'affirm', 'deny']);

export function outside(run: Run, nlu: NluResult): void {
  const { s, ctx } = run;
  // 「LINEが届かない」「新しいスマホにLINEを引き継ぎたい」 "my SMS texts are not arriving": messaging that is not mail is
  // out of scope whatever symptom the model reads in it — never a mail walk (「メールもLINEも」 names mail: a mail walk).
  const messaging = (isEntry(run, nlu.intent) || nlu.intent === 'out_of_scope') && aboutOtherMessaging(run, run.text ?? '');
  const intent = messaging ? 'out_of_scope' : nlu.intent;
  const outOfScope = messaging ? 'engine.out_of_scope_messaging' : 'engine.out_of_scope';
  const terminal = s.status !== 'active';
  // 「メールアカウントエラーって何ですか」 "what is a mail account error?" as the first message (read error_auth: the sign-in
  // walk): a what-is question about a term the tree answers in a node of its own (dialogs/answers.yaml glossary `node:`,
  // the FAQ faq_what) is that node; the term named as a symptom (「メールアカウントエラーが出ます」) walks as usual (faq-36).
  const answered = s.node === null && !terminal && !messaging ? meaningNode(run, run.text ?? '') : undefined;
  if (answered) {
    understood(run);
    return enter(run, answered);
  }
  if (isEntry(run, intent) && !NOT_A_TOPIC.has(intent)) {
    if (terminal) newEpisode(run);
    // After a two-stage fallback the facts were said already (with the question).
    else if (s.node === null && !s.clarifyOffered) understood(run);
    return switchTo(run, intent);
  }
  if (!terminal) {
    // 「何度やってもエラーが消えない」 "the error keeps coming back no matter what I do" (trial-ja-34 #10: read still-broken /
    // fixed / nothing, and told 「わたしはスマホのメール…お手伝いしています」): an error on the screen, no symptom placed and
    // no text of it — which error is asked (the menu's [エラーが表示される]: triage), never the scope line (leftovers-35).
    if (s.node === null && !messaging && SAYS_NOTHING_PLACED.has(intent) && textMentions(run, 'engine.says.error_words', run.text ?? '')) {
      understood(run);
      const named = menuSymptom(run, run.text ?? '');
      if (named) return switchTo(run, named);
      toldFirst(run);
      return enter(run, ctx.tree.globals.triage);
    }
    // First turn (or parked): a symptom was handled above; anything else starts at the menu (a hello says hello first).
    if (intent === 'greeting') say(run, 'engine.hello');
    if (intent === 'out_of_scope' && !messaging && (run.learned.length || textMentions(run, 'engine.says.mail_words', run.text ?? ''))) {
      // 「ドコモメールが使えません」「メールについて質問があります」: about mail, just no symptom the bot can place — ask
      // for it (the menu: 「どんなことでお困りですか？」), never "I only do mail" — unless it says a symptom button's words
      // (dialogs/main.yaml menu `says:`: 「会社のOutlookが同期しない」 is [受信できない]): that symptom, as if typed.
      const named = menuSymptom(run, run.text ?? '');
      if (s.node === null) understood(run);
      if (named) return switchTo(run, named);
    } else if (intent === 'not_resolved' && s.node === null) {
      // 「再起動したけど受信できない」 read as "still broken" (a reply, no walk to be still broken in): a first message
      // that says a symptom button's words is that symptom, with the steps it says were tried (facts.ts `told`).
      const named = menuSymptom(run, run.text ?? '');
      if (named) {
        understood(run);
        return switchTo(run, named);
      }
    } else if (intent === 'out_of_scope') {
      // Counts as a miss: a second message the bot cannot place also offers a person.
      run.missed = true;
      s.misses += 1;
      // Emoji or symbols only (「📧😭」): nothing was said to be out of scope — no words to read, and the menu.
      say(run, /[\p{L}\p{N}]/u.test(run.text ?? '') ? outOfScope : 'engine.no_words');
    }
    // 「パスワードを入れ直してもダメ」: steps tried but no symptom named — the menu asks for it, saying the steps are noted.
    if (s.node === null) toldFirst(run);
    return enter(run, ctx.tree.start);
  }
  // 「はい」 to 「…の続きに戻りますか？」 at the end of a detour: back to the branch, as its button would.
  if (intent === 'affirm' && s.detour && s.status === 'ended' && resumeDetour(run)) return;
  if (intent === 'deny' && s.detour && s.status === 'ended') {
    s.detour = undefined;
    return enter(run, ctx.tree.globals.end);
  }
  if (intent === 'thanks' || intent === 'goodbye' || intent === 'deny' || intent === 'resolved') {
    if (s.status === 'resolved') return enter(run, ctx.tree.globals.end);
    if (s.status === 'escalated' && intent === 'resolved') return resolvedAfterHandoff(run);
    return say(run, s.status === 'escalated' ? 'engine.welcome_escalated' : 'engine.welcome');
  }
  if (s.status === 'escalated') return escalatedAlready(run);
  if (intent === 'greeting') {
    newEpisode(run);
    say(run, 'engine.hello');
    return enter(run, ctx.tree.start);
  }
  newEpisode(run);
  if (intent === 'out_of_scope') say(run, outOfScope);
  enter(run, ctx.tree.globals.triage);
}

/**
 * The symptom of the menu button whose words the text says (dialogs/main.yaml menu `says:` and labels: 「同期しない」,
 * "not syncing" are [受信できない]), if it has one the tree walks.
 */
export function menuSymptom(run: Run, text: string): Intent | undefined {
  const menu = run.ctx.tree.nodes.get(run.ctx.tree.start);
  const named = menu && 'options' in menu && menu.options ? matchWords(run, menu.options, text) : undefined;
  return named?.symptom && isEntry(run, named.symptom) ? named.symptom : undefined;
}

/** The steps a first message says were tried (facts.ts `told`), noted in one line before the menu asks for the symptom. */
function toldFirst(run: Run): void {
  const told = run.s.stepsTried.filter((x) => x.atMs === run.meta.nowMs && x.title && x.result === 'not_resolved');
  if (told.length) say(run, 'engine.told_first', { steps: { join: told.map((x) => message(run, x.title!)), separator: msg('engine.handoff.step_separator') } });
}

/** First message with facts in it: say what we took from it, so a misreading shows at once (「ドコモメール / iPhone」). */
export function understood(run: Run): void {
  const { s } = run;
  const p = slotParams(s);
  const said: MessageParam[] = [];
  if (s.slots.carrier || s.slots.service) said.push(p.account_name!);
  if (s.slots.device) said.push(s.collected.model ?? p.device_name!);
  if (s.slots.os_version) said.push(s.slots.os_version);
  if (said.length) say(run, 'engine.understood', { facts: { join: said, separator: ' / ' } });
}
