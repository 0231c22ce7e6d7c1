/** The out-of-scope rule: doubt about which mail problem is not doubt about being a mail problem. */
import { describe, expect, it } from 'vitest';
import { bothSymptoms, tuneOos } from '../../src/nlu/engine.js';

const labels = ['error_cannot_fetch', 'mail_not_arriving', 'affirm', 'greeting', 'out_of_scope'];
const oos = labels.indexOf('out_of_scope');
const row = (...p: number[]) => Float64Array.from(p);

describe('out-of-scope rule', () => {
  it('counts two mail symptoms together, never small talk', () => {
    expect(bothSymptoms('error_cannot_fetch', 'mail_not_arriving')).toBe(true);
    expect(bothSymptoms('affirm', 'greeting')).toBe(false);
    expect(bothSymptoms('error_send', 'affirm')).toBe(false);
  });

  it('keeps a message split between two symptoms in scope, and still throws out one split between small-talk intents', () => {
    // In scope, split between two symptoms (gold: cannot_fetch); far off-topic, split between two small-talk intents.
    const probs = [row(0.35, 0.33, 0.1, 0.1, 0.12), row(0.05, 0.05, 0.45, 0.3, 0.15)];
    const gold = [0, oos];
    const tuned = tuneOos(probs, gold, oos, [false, false], labels);
    expect(tuned.inScopeAccuracy).toBe(1);
    expect(tuned.farRecall).toBe(1);
    // On the top probability alone no threshold gets both right: the off-topic row's top (0.45) beats the symptom row's (0.35).
    expect(tuneOos(probs, gold, oos, [false, false]).score).toBeLessThan(tuned.score);
  });
});
