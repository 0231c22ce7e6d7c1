/** The composition of links: order, answering by not calling next, and the guard against next() called twice. */
import { describe, expect, it } from 'vitest';
import { CodedError, ErrorCode } from '../../src/core/index.js';
import { compose, type Link } from '../../src/pipeline/compose.js';

const link = (name: string, trail: string[], run?: Link<unknown>['run']): Link<unknown> => ({
  name,
  run:
    run ??
    (async (_ctx, next) => {
      trail.push(`${name} in`);
      await next();
      trail.push(`${name} out`);
    }),
});

describe('compose', () => {
  it('runs links in order, each around the rest of the chain', async () => {
    const trail: string[] = [];
    await compose([link('a', trail), link('b', trail), link('c', trail)])({});
    expect(trail).toEqual(['a in', 'b in', 'c in', 'c out', 'b out', 'a out']);
  });

  it('stops where a link answers without calling next', async () => {
    const trail: string[] = [];
    await compose([link('a', trail), link('stop', trail, async () => void trail.push('answered')), link('never', trail)])({});
    expect(trail).toEqual(['a in', 'answered', 'a out']);
  });

  it('refuses a second next() in one link instead of running the rest twice', async () => {
    let runs = 0;
    const twice: Link<unknown> = {
      name: 'twice',
      async run(_ctx, next) {
        await next();
        await next();
      },
    };
    const counted: Link<unknown> = { name: 'counted', run: async () => void runs++ };
    const failure = await compose([twice, counted])({}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CodedError);
    expect((failure as CodedError).code).toBe(ErrorCode.Internal);
    expect((failure as CodedError).message).toContain('twice');
    expect(runs).toBe(1);
  });

  it('turns a link that throws synchronously into a rejection', async () => {
    const sync: Link<unknown> = {
      name: 'sync',
      run: () => {
        throw new Error('sync bug');
      },
    };
    await expect(compose([sync])({})).rejects.toThrow('sync bug');
  });
});
