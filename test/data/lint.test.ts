import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblem, loadDialogs, packageRoot } from '../../src/data/load.js';
import { lintAll, lintReport, normalisePhrase } from '../../src/data/lint.js';

const root = packageRoot();
const fixture = (name: string) => join(root, 'test', 'fixtures', `lint-${name}`);
const cli = join(root, 'dist', 'cli', 'main.js');

/** Each broken fixture and the exact `file:line: message` lines it must produce (and nothing else). */
const BROKEN: Record<string, string[]> = {
  'unknown-node': ['dialogs/main.yaml:20: node auth_step: next refers to unknown node nowhere'],
  'bad-entry': ['dialogs/main.yaml:7: entries.error_auth points to unknown node auth_stepp'],
  graph: [
    'dialogs/extra.yaml:3: node orphan is unreachable (not reachable from start, globals or entries)',
    'dialogs/extra.yaml:6: nodes can loop forever without waiting for the user: spin_a → spin_b → spin_a',
    'dialogs/extra.yaml:15: node stuck_a is a dead end: no resolve, handoff or end node can be reached from it',
    'dialogs/extra.yaml:21: node stuck_b is a dead end: no resolve, handoff or end node can be reached from it',
  ],
  slots: [
    'dialogs/extra.yaml:6: node cond: condition uses unknown slot colour (not an entity nor declared in slots:)',
    'dialogs/extra.yaml:7: node cond: condition has unknown value vodafone for slot carrier (allowed: docomo, au, softbank, rakuten, ymobile, uq)',
    'dialogs/extra.yaml:11: node mood_ask: ask slot mood is not an entity nor declared in slots:',
    'dialogs/extra.yaml:15: node mood_ask: option value happy is used twice (options 0 and 1)',
  ],
  titles: ['dialogs/main.yaml:18: steps again_step and auth_step share the title tree.auth_step.title: a ticket listing both cannot tell them apart'],
  schema: [
    "dialogs/main.yaml:16: node auth_step (nodes.1) kind: Invalid discriminator value. Expected 'ask' | 'choice' | 'step' | 'info' | 'route' | 'resolve' | 'handoff' | 'end'",
  ],
  locales: [
    'dialogs/main.yaml:18: node auth_step: locale key tree.auth_step.say_more missing in en',
    'locales/en/tree.yaml:6: locale key tree.auth_step.say is not used by any dialog node',
    'locales/ja/other.yaml:2: locale key other.only_ja has no en twin',
    'locales/ja/tree.yaml:6: locale key tree.auth_step.say is not used by any dialog node',
    'locales/ja/tree.yaml:7: locale key tree.auth_step.say_more has no en twin',
    'locales/ja/tree.yaml:11: locale key tree.handoff.say: placeholders {} in ja but {ticket} in en',
  ],
  intents: [
    'intents/en/:1: intent out_of_scope has no phrases in en',
    'intents/ja/error_auth.yaml:5: phrase "ﾊﾟｽﾜｰﾄﾞが違う " is a duplicate within error_auth (first at line 4)',
    'intents/ja/error_connect.yaml:5: phrase "パスワードが違う" is under two intents: error_connect and error_auth (intents/ja/error_auth.yaml:4)',
  ],
};

describe('lint on the repository content', () => {
  it('finds no problem in intents/, dialogs/ and locales/ (including the keys the code renders)', async () => {
    const report = await lintReport(root);
    expect(report.problems.map(formatProblem)).toEqual([]);
    expect(report.nodes).toBeGreaterThan(100);
    expect(report.intents).toBe(25);
  });
});

describe('lint on broken fixtures (in-process)', () => {
  it('passes the clean fixture', async () => {
    expect((await lintAll(fixture('ok'))).map(formatProblem)).toEqual([]);
  });
  for (const [name, expected] of Object.entries(BROKEN)) {
    it(`reports exactly the planted problems of lint-${name}`, async () => {
      expect((await lintAll(fixture(name))).map(formatProblem)).toEqual(expected);
    });
  }
  it('wants the symptom a menu button stands for: named, an error or topic with an entry, the walk it leads into', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-lint-symptom-'));
    try {
      cpSync(fixture('ok'), dir, { recursive: true });
      const main = join(dir, 'dialogs', 'main.yaml');
      const text = readFileSync(main, 'utf8');
      writeFileSync(
        main,
        text.replace(
          '      - { value: auth, label: tree.opt.auth, next: auth_step, symptom: error_auth }\n',
          '      - { value: auth, label: tree.opt.auth, next: auth_step, symptom: error_auth }\n' +
            '      - { value: pw, label: tree.opt.auth, next: auth_step }\n' +
            '      - { value: hi, label: tree.opt.auth, next: auth_step, symptom: greeting }\n' +
            '      - { value: net, label: tree.opt.auth, next: auth_step, symptom: error_connect }\n',
        ),
      );
      expect((await lintAll(dir)).map(formatProblem)).toEqual([
        'dialogs/main.yaml:14: node menu: option pw leads into the walk of error_auth: add symptom: error_auth',
        'dialogs/main.yaml:15: node menu: option hi has symptom greeting, which is no error or topic intent with an entry',
        'dialogs/main.yaml:16: node menu: option net has symptom error_connect, which is no error or topic intent with an entry',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('wants every step to have help: a where- or how-question there must have an answer (round 15)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-lint-help-'));
    try {
      cpSync(fixture('ok'), dir, { recursive: true });
      const main = join(dir, 'dialogs', 'main.yaml');
      writeFileSync(main, readFileSync(main, 'utf8').replace('    help: tree.auth_step.say\n', ''));
      expect((await lintAll(dir)).map(formatProblem)).toEqual([
        'dialogs/main.yaml:18: node auth_step: step has no help: "where do I do that?" or "how?" there has nothing to answer with',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('wants a fact that is a symptom gone (fact_fixes) to be a stated fact, for symptoms that have a walk (round 17)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-lint-fact-fixes-'));
    try {
      cpSync(fixture('ok'), dir, { recursive: true });
      const main = join(dir, 'dialogs', 'main.yaml');
      const facts = 'facts:\n  scope:\n    send: tree.opt.auth\nfact_fixes:\n  scope:\n    send: [error_auth, error_send]\n    receive: [error_auth]\n';
      writeFileSync(main, readFileSync(main, 'utf8').replace('entries:\n', `${facts}entries:\n`));
      expect((await lintAll(dir)).map(formatProblem)).toEqual([
        'dialogs/main.yaml:11: fact_fixes.scope.send: error_send has no entry (no walk to be fixed)',
        'dialogs/main.yaml:12: fact_fixes.scope.receive: not a stated fact (facts.scope.receive)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('checks the keys the code renders when asked, even for a foreign root', async () => {
    const problems = (await lintAll(fixture('ok'), { codeKeys: true })).map(formatProblem);
    expect(problems).toContain('locales/ja/:1: locale key engine.button.resolved (used by the code) missing in ja');
    expect(problems).toContain('locales/en/:1: locale key engine.button.resolved (used by the code) missing in en');
  });
  it('treats width and case variants of a phrase as the same phrase', () => {
    expect(normalisePhrase('  ﾊﾟｽﾜｰﾄﾞ  ERROR ')).toBe(normalisePhrase('パスワード error'));
  });
});

describe('mailmedic lint (spawned)', () => {
  beforeAll(() => {
    // The CLI runs from dist/: `npm test` builds first; a bare `vitest run` needs `npm run build` before.
    if (!existsSync(cli)) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
  });
  const lint = (...args: string[]) => spawnSync(process.execPath, [cli, 'lint', ...args], { cwd: root, encoding: 'utf8' });

  it('exits 0 with a summary on stderr and nothing on stdout for a clean root', () => {
    const r = lint('--root', 'test/fixtures/lint-ok');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ok: 5 nodes, 8 locale keys, 25 intents');
  });
  for (const [name, expected] of Object.entries(BROKEN)) {
    it(`exits 1 and prints file:line: message for lint-${name}`, () => {
      const r = lint('--root', `test/fixtures/lint-${name}`);
      expect(r.status).toBe(1);
      expect(r.stdout.trimEnd().split('\n')).toEqual(expected);
      expect(r.stderr).toMatch(/^lint: \d+ problems? \(/);
    });
  }
  it('passes on the package itself', () => {
    const r = lint();
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^ok: \d+ nodes, \d+ locale keys, 25 intents/);
  });
});

describe('the tree covers the guide', () => {
  const tree = loadDialogs(root).tree;
  it('loads', () => expect(tree?.nodes.size).toBeGreaterThan(100));
  // One node per item of the guide that must have a place in the tree (design.md § The troubleshooting tree).
  const required = [
    'triage', 'scope_route', 'recv_imap', 'send_smtp_auth', 'both_entry', // symptom triage, IMAP-vs-SMTP split
    'net_airplane', 'net_switch', 'net_vpn', 'net_portal', 'net_router', // network light steps
    'dev_restart', 'dev_force_quit', 'dev_outbox', 'dev_storage', 'auth_reenter', // device light steps, password by hand
    'app_pw_issue_icloud', 'app_pw_issue_gmail', 'acct_readd', // app-specific passwords
    'sb_install', 'sb_smtp', 'au_install', 'au_smtp_auth', 'dc_daccount', 'dc_reenter', // carrier branches
    'upd_wait', 'upd_toggle', 'upd_2fa', // after an iOS update
    'devchg_conflict', 'devchg_old_remove', 'devchg_dedupe', // device change
    'netreset_decide', 'netreset_erases', 'netreset_do', // network reset decision table
    'sb_backup', 'au_backup', 'acct_readd_backup', // backup before deleting
    'outage_status', 'outage_repro', 'outage_wait', // outage check
    'int_peak', 'int_fetch', 'push_fetch', 'push_notify', 'arrive_filter', 'arrive_quota', // intermittent, push, not arriving
    'prevention', 'resolved', 'handoff', 'end',
  ];
  it.each(required)('has node %s', (id) => expect(tree?.nodes.has(id)).toBe(true));
  it('has an entry for every symptom, how-to, migration and outage intent', () => {
    const entries = Object.keys(tree?.entries ?? {}).sort();
    expect(entries).toEqual(
      [
        'error_auth', 'error_connect', 'error_server_timeout', 'error_cannot_fetch', 'error_send', 'error_intermittent',
        'error_push', 'mail_not_arriving', 'howto_app_password', 'howto_carrier_setup', 'howto_network_reset',
        'howto_backup', 'howto_prevention', 'migration_device_change', 'check_outage',
      ].sort(),
    );
  });
  it('offers help on every step that points somewhere in Settings', () => {
    const settingsSteps = [...(tree?.nodes.values() ?? [])].filter((n) => n.kind === 'step' && /auth_reenter|smtp|imap|profile|install|netreset_do/.test(n.id));
    // The pattern must still find such steps: a renamed node would otherwise make this check pass on nothing.
    expect(settingsSteps.length).toBeGreaterThan(3);
    for (const node of settingsSteps) expect(node.kind === 'step' && node.help, node.id).toBeTruthy();
  });
});
