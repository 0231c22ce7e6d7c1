/**
 * Repair rules (Rasa default_flows: correct, hand over, cancel, clarify): conversation repairs that apply at any
 * node. dialogs/patterns.yaml lists which exist, their order and parameters; each is implemented once here.
 * What the reply means (gives up, vague, asks how, still broken) is the recogniser's (`run.reading`, src/nlu/replies.ts).
 */
import type { Repair, RepairName } from '../data/schemas.js';
import { answerStep, asksHowAtStep } from './answers.js';
import { escalatedAlready } from './handoff.js';
import { understood } from './outside.js';
import type { TextTurn, TurnRule } from './policy.js';
import { ACTIONS, button, choicesOf, say, setStatus, type Run } from './run.js';
import { enter, leaveTo, recordStep } from './tree.js';

/** The step last answered "fixed", if the conversation's last recorded step was. */
function lastFixedStep(run: Run) {
  const last = run.s.stepsTried.at(-1);
  const node = last && last.result === 'resolved' ? run.ctx.tree.nodes.get(last.node) : undefined;
  return node?.kind === 'step' ? { last: last!, node } : undefined;
}

/** 「やっぱりまだダメ」 right after a step was answered "fixed": that step's result is corrected, the branch goes on after it. */
function correction(): TurnRule {
  return {
    name: 'correction',
    applies: ({ run, node, nlu }) =>
      node?.kind === 'resolve' &&
      run.s.status === 'resolved' &&
      (nlu.intent === 'not_resolved' || run.reading?.report === 'failed') &&
      lastFixedStep(run) !== undefined,
    act: ({ run }) => {
      const { last, node } = lastFixedStep(run)!;
      last.result = 'not_resolved';
      setStatus(run, 'active');
      enter(run, node.next);
    },
  };
}

/** 「担当者と話したい」: to the hand-off node; once escalated, "already handed off" (one ticket per episode). */
function wantsPerson(): TurnRule {
  return {
    name: 'wants_person',
    applies: (t) => t.nlu.intent === 'request_human',
    act: ({ run }) => {
      if (run.s.status === 'escalated') return escalatedAlready(run);
      leaveTo(run, run.ctx.tree.globals.handoff);
    },
  };
}

/** 「もういいです」: the person stops here — a polite end, not "still broken" and not a miss. */
function giveUp(params: { offer_person: boolean }): TurnRule {
  return {
    name: 'give_up',
    applies: ({ run }) => !!run.reading?.acts.has('gives_up'),
    act: ({ run }) => {
      const { s, ctx } = run;
      if (s.status === 'resolved') return enter(run, ctx.tree.globals.end);
      if (s.status !== 'active') return say(run, s.status === 'escalated' ? 'engine.welcome_escalated' : 'engine.welcome');
      recordStep(run, 'unknown');
      s.pending = undefined;
      s.node = ctx.tree.globals.end;
      setStatus(run, 'ended');
      // A person is offered once here: the end node does not offer one again.
      const choices = [button(run, 'engine.button.restart', ACTIONS.restart)];
      if (params.offer_person) choices.unshift(button(run, 'engine.button.human', ACTIONS.human));
      say(run, 'engine.give_up', undefined, choices);
    },
  };
}

/** 「メールがおかしい」 as a first message: which symptom? (the start menu's buttons); what it did tell is kept. */
function vagueFirstMessage(): TurnRule {
  return {
    name: 'vague_first_message',
    applies: ({ run }) => {
      const { s, ctx } = run;
      return (s.node === null || s.node === ctx.tree.start) && s.status === 'active' && !!run.reading?.acts.has('vague');
    },
    act: ({ run }) => {
      const { s, ctx } = run;
      if (s.node === null) understood(run);
      const menu = ctx.tree.nodes.get(ctx.tree.start);
      s.node = ctx.tree.start;
      say(run, 'engine.vague', undefined, menu ? choicesOf(run, menu) : []);
    },
  };
}

/** 「やり方がわからない」 at a step with help: the help, then the same step again. */
function helpAtStep(): TurnRule {
  return {
    name: 'help_at_step',
    applies: (t: TextTurn) => t.node?.kind === 'step' && !!t.node.help && asksHowAtStep(t.run, t.nlu),
    act: (t: TextTurn) => {
      if (t.node?.kind === 'step') answerStep(t.run, t.node, ACTIONS.help);
    },
  };
}

const REPAIRS: { [N in RepairName]: (params: Extract<Repair, { rule: N }>) => TurnRule } = {
  correction,
  wants_person: wantsPerson,
  give_up: giveUp,
  vague_first_message: vagueFirstMessage,
  help_at_step: helpAtStep,
};

/** The rule of one entry of dialogs/patterns.yaml. */
export function repairRule(repair: Repair): TurnRule {
  return (REPAIRS[repair.rule] as (p: Repair) => TurnRule)(repair);
}
