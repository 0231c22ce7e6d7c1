/**
 * Clicks: a button's value at the node that offered it. A click from an older set of buttons (another message,
 * a double click already processed) is refused and the question asked again.
 */
import type { DialogNode } from '../data/schemas.js';
import { answerStep } from './answers.js';
import { addFollowUp, addOtherProblemToTicket, escalatedAlready, fileTicket } from './handoff.js';
import { ACTIONS, currentNode, say, setStatus, type Run } from './run.js';
import { applyOption, enter, leaveTo, newEpisode, prompt, restart, switchTo } from './tree.js';
import type { Intent } from '../core/index.js';

/**
 * The answer to the two-stage fallback (policy rule `clarify_symptom`): a symptom routes as if it had been typed,
 * 「どれでもない」 shows the symptom menu. The choice is recorded on the turn (StepOutput.clarification).
 */
export function onClarifyChoice(run: Run, chosen: string): void {
  const { s, ctx } = run;
  const offered = s.clarifyOffered;
  if (!offered || (chosen !== 'none' && (!offered.includes(chosen as Intent) || !ctx.tree.entries[chosen as Intent]))) return stale(run, currentNode(run));
  s.clarifyOffered = undefined;
  run.clarification = { offered, chosen: chosen as Intent | 'none' };
  if (chosen === 'none') return enter(run, ctx.tree.start);
  if (s.status !== 'active') newEpisode(run);
  switchTo(run, chosen as Intent);
}

/**
 * Back to the symptom branch left for a how-to topic, at the node it was left (the steps tried are still on record):
 * [続きに戻る], or 「はい」 typed to the offer. False when there is no detour to go back to.
 */
export function resumeDetour(run: Run): boolean {
  const { s, ctx } = run;
  const back = s.detour;
  if (!back || !ctx.tree.nodes.has(back.node)) return false;
  s.detour = undefined;
  s.intent = back.intent;
  setStatus(run, 'active');
  say(run, 'engine.detour_resumed');
  enter(run, back.node);
  return true;
}

/**
 * [新しく相談] (or 「はい」) to 「別の問題として新しく相談しますか？」 after filing (handoff.ts askOtherProblem): the other
 * problem is walked as a new episode — its service, carrier, device and error text from the message that named it —
 * while the open ticket stays with the desk; a later hand-off files a new ticket.
 */
export function startOtherProblem(run: Run): void {
  const { s } = run;
  const other = s.otherProblem!;
  s.otherProblem = undefined;
  say(run, 'engine.follow_up.new_problem', { ticket: s.ticketId! });
  newEpisode(run);
  for (const e of ['service', 'carrier', 'device'] as const) if (other.fields[e]) s.slots[e] = other.fields[e];
  if (other.fields.errorMessage) s.errorText = other.fields.errorMessage;
  switchTo(run, other.intent);
}

function stale(run: Run, node: DialogNode | undefined): void {
  say(run, 'engine.stale_choice');
  if (!node) return enter(run, run.ctx.tree.start);
  prompt(run, node);
}

/** One click. `nonce` identifies the set of buttons it came from (see ConversationState.offer). */
export function onAction(run: Run, value: string, nonce: string | undefined): void {
  const { s, ctx } = run;
  const node = currentNode(run);
  if (nonce !== undefined && nonce !== String(s.offer)) return stale(run, node);
  if (value.startsWith(ACTIONS.clarify)) return onClarifyChoice(run, value.slice(ACTIONS.clarify.length));
  if (value === ACTIONS.restart) return restart(run);
  if (value === ACTIONS.resume) return resumeDetour(run) ? undefined : stale(run, node);
  if (value === ACTIONS.human) {
    if (s.status === 'escalated') return escalatedAlready(run);
    return leaveTo(run, ctx.tree.globals.handoff);
  }
  // [直った] under 「担当者に引き継ぎました」: the ticket hears that the mail works again (a follow-up), nothing is closed.
  if (value === ACTIONS.resolved && s.status === 'escalated' && s.ticketId && s.offered?.includes(value)) return addFollowUp(run, 'user_resolved', {});
  // After 「別の問題として新しく相談しますか？」: the other problem's walk, or the open ticket after all.
  if ((value === ACTIONS.newProblem || value === ACTIONS.addToTicket) && s.status === 'escalated' && s.ticketId && s.otherProblem && s.offered?.includes(value))
    return value === ACTIONS.newProblem ? startOtherProblem(run) : addOtherProblemToTicket(run);
  if (!node) return stale(run, node);
  // [直った] offered beside a question (a hedged "fixed", policy.ts hedged_fixed): the mail works — resolved. Only when
  // the buttons on screen hold it: an old [直った] of a step, clicked without a nonce (REST, chat --jsonl) at a later
  // question, is stale like an old [まだダメ] — a conversation is never closed as fixed by a button of the past.
  if ((node.kind === 'ask' || node.kind === 'choice') && value === ACTIONS.resolved && s.status === 'active' && !('options' in node && node.options?.some((o) => o.value === value)))
    return s.offered?.includes(value) ? leaveTo(run, ctx.tree.globals.resolved, 'resolved') : stale(run, node);
  switch (node.kind) {
    case 'ask': {
      const opt = node.options.find((o) => o.value === value);
      if (!opt) return stale(run, node);
      s.slots[node.slot] = opt.value;
      return enter(run, applyOption(run, opt, opt.next ?? node.next));
    }
    case 'choice':
    case 'resolve': {
      const opt = node.options?.find((o) => o.value === value);
      if (!opt?.next) return stale(run, node);
      return enter(run, applyOption(run, opt, opt.next));
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
