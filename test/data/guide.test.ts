import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionsIn, checkGuide, checkOrderedList, edgeFollower, factSpace, formatCoverage, type Facts } from '../../src/data/guide.js';
import { edgesOf, lintAll, lintReport } from '../../src/data/lint.js';
import { formatProblem, loadDialogs, loadLocales, packageRoot, type LoadedLocales } from '../../src/data/load.js';
import type { DialogNode, DialogTree } from '../../src/data/schemas.js';

const root = packageRoot();
const fixture = (name: string) => join(root, 'test', 'fixtures', `lint-${name}`);

describe('the guide checks on fixtures', () => {
  it('pass a clean guided tree and count its sections in both languages', async () => {
    const report = await lintReport(fixture('guide-ok'));
    expect(report.problems.map(formatProblem)).toEqual([]);
    expect(report.guide).toEqual({ sections: 2, covered: { ja: 2, en: 2 } });
  });

  it('report exactly the planted problems: coverage, backup, confirmation, help wording, destructive wording, device wording', async () => {
    expect((await lintAll(fixture('guide'))).map(formatProblem)).toEqual([
      'dialogs/guide.yaml:6: guide section §2 (削除の前に) has no reachable node that names it',
      'dialogs/main.yaml:9: node restart is reached on android but tree.restart.say (en) names the iPhone',
      'dialogs/main.yaml:9: node restart is reached on android but tree.restart.say (ja) names the iPhone',
      'dialogs/main.yaml:9: node restart is reached on ipad but tree.restart.say (en) names the iPhone',
      'dialogs/main.yaml:9: node restart is reached on ipad but tree.restart.say (ja) names the iPhone',
      'dialogs/main.yaml:9: node restart: help tree.restart.help (en) names "delete the account", which its step does not ask for',
      'dialogs/main.yaml:9: node restart: help tree.restart.help (ja) names "delete the account", which its step does not ask for',
      'dialogs/main.yaml:16: node backup: guide section §9 is not in dialogs/guide.yaml',
      'dialogs/main.yaml:16: node backup: its account backup checklist (tree.backup.say, en) leaves out "signature"',
      'dialogs/main.yaml:16: node backup: its account backup checklist (tree.backup.say, ja) leaves out "signature"',
      'dialogs/main.yaml:32: node readd deletes or resets (account) but is entered from shortcut, which is not an explicit confirmation (an option of a choice node with confirm: account)',
      'dialogs/main.yaml:32: node readd deletes or resets (account) with no backup node (backup: account) on the path shortcut → readd',
      'dialogs/main.yaml:32: node readd is reached on android but tree.readd.say (en) shows iOS menus ("Settings › Mail ›")',
      'dialogs/main.yaml:32: node readd is reached on android but tree.readd.say (ja) shows iOS menus ("設定 › メール ›")',
      'dialogs/main.yaml:40: node wipe_profile: tree.wipe_profile.say (en) asks to delete the profile but the node is not marked destructive: profile',
      'dialogs/main.yaml:40: node wipe_profile: tree.wipe_profile.say (ja) asks to delete the profile but the node is not marked destructive: profile',
    ]);
  });

  it('say nothing about coverage for a tree without a guide list', async () => {
    expect((await lintReport(fixture('ok'))).guide).toBeUndefined();
  });

  it('print one line for equal coverage and one count per language otherwise', () => {
    expect(formatCoverage({ sections: 22, covered: { ja: 22, en: 22 } })).toBe('guide sections covered: 22/22 (ja, en)');
    expect(formatCoverage({ sections: 22, covered: { ja: 22, en: 21 } })).toBe('guide sections covered: ja 22/22, en 21/22');
  });
});

describe('reading actions in a text', () => {
  it('finds what a sentence asks for, in Japanese and English', () => {
    expect([...actionsIn('Google アカウントをいったん削除してログインし直します。')]).toEqual(['delete the account']);
    expect([...actionsIn('Remove the Google account and sign in again.')]).toEqual(['delete the account']);
    expect([...actionsIn('設定 › 一般 › リセット › ネットワーク設定をリセット を実行してください。')]).toEqual(['reset network settings']);
    expect([...actionsIn('対象のアカウントを「プッシュ」にしてください。')]).toEqual(['choose Push']);
  });
  it('ignores a sentence that says not to do it', () => {
    expect(actionsIn('アカウントは削除せず、ログインし直します。').size).toBe(0);
    expect(actionsIn("While you wait, it's safer not to delete the account.").size).toBe(0);
    expect(actionsIn('削除や再設定はしないでください。「信頼」を押さないでください。').size).toBe(0);
  });
});

describe("the repository's tree against the guide", () => {
  const { tree } = loadDialogs(root);
  const locales = loadLocales(root);
  if (!tree) throw new Error('the tree does not load');

  it('covers all 22 sections of the guide, in Japanese and English, with no problem', async () => {
    const report = await lintReport(root);
    expect(report.problems.map(formatProblem)).toEqual([]);
    expect(report.guide).toEqual({ sections: 22, covered: { ja: 22, en: 22 } });
  });

  it('marks every deletion and reset, and puts a confirmation right before each', () => {
    const destructive = [...tree.nodes.values()].filter((n) => n.destructive).map((n) => n.id).sort();
    expect(destructive).toEqual(
      [
        'acct_readd', 'acct_readd_android', 'au_delete_profile', 'carrier_other_delete', 'devchg_dedupe', 'devchg_dedupe_android',
        'devchg_old_remove', 'netreset_do', 'netreset_do_android', 'netreset_do_ios', 'sb_delete_profile',
      ].sort(),
    );
    const confirms = [...tree.nodes.values()].filter((n) => n.confirm).map((n) => n.id).sort();
    expect(confirms).toEqual(
      ['acct_readd_backup', 'au_backup', 'carrier_other', 'devchg_backup', 'devchg_dedupe_check', 'howto_backup_next', 'netreset_erases', 'sb_backup'].sort(),
    );
  });

  /** The real tree with some nodes replaced, or the real locales with some texts replaced. */
  const withNodes = (...changed: DialogNode[]): DialogTree => {
    const nodes = new Map(tree.nodes);
    for (const n of changed) nodes.set(n.id, n);
    return { ...tree, nodes };
  };
  const withTexts = (texts: Record<string, string>): LoadedLocales => {
    const messages = { ja: new Map(locales.messages.ja), en: new Map(locales.messages.en) };
    for (const [key, text] of Object.entries(texts)) messages.ja.set(key, text);
    return { ...locales, messages };
  };
  const node = (id: string) => tree.nodes.get(id)!;
  const problems = (t: DialogTree, l: LoadedLocales = locales) => checkGuide(t, l, root).problems.map((p) => p.message);

  it('would have caught the phone change that deleted the old account before any backup', () => {
    const conflict = node('devchg_conflict');
    if (conflict.kind !== 'choice') throw new Error('devchg_conflict is a choice');
    const unsafe = { ...conflict, options: conflict.options.map((o) => (o.value === 'old_has_profile' ? { ...o, next: 'devchg_old_remove' } : o)) };
    expect(problems(withNodes(unsafe))).toEqual(
      expect.arrayContaining([
        'node devchg_old_remove deletes or resets (account) but is entered from devchg_conflict, which is not an explicit confirmation (an option of a choice node with confirm: account)',
        expect.stringMatching(/^node devchg_old_remove deletes or resets \(account\) with no backup node \(backup: account\) on the path .*devchg_conflict → devchg_old_remove$/),
      ]),
    );
  });

  it('would have caught the help of 「最新の設定を入れる」 describing how to delete a profile', () => {
    const old = '1. 設定 › 一般 › 「VPNとデバイス管理」\n2. 「構成プロファイル」にあるメール設定のプロファイルをタップ\n3. 「プロファイルを削除」› パスコード入力 › 削除';
    expect(problems(tree, withTexts({ 'tree.devchg_add_carrier.help': old }))).toContain(
      'node devchg_add_carrier: help tree.devchg_add_carrier.help (ja) names "delete the profile", which its step does not ask for',
    );
  });

  it("would have caught Android's first password step removing the Google account", () => {
    const old = 'メールアプリのアカウント設定で、{account_name}の受信と送信の両方のパスワードを入れ直してください（Gmail アプリの場合は、Google アカウントをいったん削除してログインし直します）。';
    expect(problems(tree, withTexts({ 'tree.auth_reenter_android.say': old }))).toContain(
      'node auth_reenter_android: tree.auth_reenter_android.say (ja) asks to delete the account but the node is not marked destructive: account',
    );
  });

  it('would have caught 「写真消すの？」 at the storage step being told nothing is deleted (round 29)', () => {
    const storage = node('dev_storage');
    if (storage.kind !== 'step') throw new Error('dev_storage is a step');
    const { removes: _removes, ...without } = storage;
    expect(problems(withNodes(without))).toContain(
      'node dev_storage: tree.dev_storage.say (ja) asks to delete something: add removes: (what it deletes, said when asked "will it delete …?")',
    );
    // 「削除しないでください」 and 「自動削除のルール」 ask nothing to be deleted.
    const outage = node('outage_wait');
    expect(problems(withNodes(outage)).filter((m) => m.includes('asks to delete something'))).toEqual([]);
  });

  it('would have caught a certificate warning answered by tapping Trust, in a step, its help or an info', () => {
    expect(problems(tree, withTexts({ 'tree.cert_wait.say': '警告の「信頼」を押して続行し、メールを更新してください。' }))).toContain(
      'node cert_wait: tree.cert_wait.say (ja) asks to trust a certificate; the bot never asks for that',
    );
    expect(problems(tree, withTexts({ 'tree.cert_line.help': '別の回線でも出るなら、証明書を信頼して進めます。' }))).toContain(
      'node cert_line: tree.cert_line.help (ja) asks to trust a certificate; the bot never asks for that',
    );
    expect(problems(tree, withTexts({ 'tree.cert_server.say': '発行先を確かめずに「信頼」をタップすれば受信できます。' }))).toContain(
      'node cert_server: tree.cert_server.say (ja) asks to trust a certificate; the bot never asks for that',
    );
    expect([...actionsIn('Tap Trust and refresh your mail.')]).toEqual(['trust a certificate']);
    expect(actionsIn("If it isn't your mail server's, don't tap Trust — cancel.").size).toBe(0);
  });

  // guide-37: English wording of the destructive actions, and every locale saying the deletion of a destructive step.
  const withEnglish = (texts: Record<string, string>): LoadedLocales => {
    const messages = { ja: new Map(locales.messages.ja), en: new Map(locales.messages.en) };
    for (const [key, text] of Object.entries(texts)) messages.en.set(key, text);
    return { ...locales, messages };
  };
  it('would have caught an English light step asking to reset "the network settings" or to delete "profiles" (before guide-37)', () => {
    const found = problems(tree, withEnglish({ 'tree.dev_restart.say': 'Restart the phone. If that fails, try resetting the network settings.' }));
    expect(found).toContain('node dev_restart: tree.dev_restart.say (en) asks to reset network settings but the node is not marked destructive: network');
    const more = problems(tree, withEnglish({ 'tree.dev_restart.say': 'Remove the mail settings and profile from the old device.' }));
    expect(more).toContain('node dev_restart: tree.dev_restart.say (en) asks to delete the profile but the node is not marked destructive: profile');
    expect([...actionsIn('Deleting the mail app does not delete your mail accounts.')]).toEqual([]);
  });
  it('would have caught an English twin of 「プロファイルを削除」 that does not say the profile is deleted', () => {
    const key = (node('sb_delete_profile') as { say: string }).say;
    expect(problems(tree, withEnglish({ [key]: 'Install the latest one-step setup from the official page.' }))).toContain(
      `node sb_delete_profile is marked destructive: profile but ${key} (en) does not ask for it (each language says what is deleted or reset)`,
    );
  });

  it('would have caught [直った] after 「プロファイルを削除」', () => {
    const asStep: DialogNode = { id: 'sb_delete_profile', kind: 'step', destructive: 'profile', title: 'tree.sb_install.title', say: 'tree.delete_profile.say', next: 'sb_install' };
    expect(problems(withNodes(asStep))).toContain(
      'node sb_delete_profile only deletes a profile, which cannot fix anything by itself: make it a choice node (no [直った])',
    );
  });

  it('would have caught an iPad user reading 「iPhone を再起動」', () => {
    expect(problems(tree, withTexts({ 'tree.upd_restart.say': 'iPhone を再起動し、起動したらメールアプリを一度強制終了してから開いてください。' }))).toContain(
      'node upd_restart_ipad is reached on ipad but tree.upd_restart.say (ja) names the iPhone',
    );
  });

  it('would have caught a backup checklist with three of the five items', () => {
    const three = '次はアカウントを削除して追加し直します。\n・メールアドレス／ID（最新のパスワードも手元に）\n・受信 IMAP／送信 SMTP のホスト名・ポート・SSL\n・署名・表示名・既定のアカウント';
    const found = problems(tree, withTexts({ 'tree.backup.checklist': three }));
    expect(found).toContain('node acct_readd_backup: its account backup checklist (tree.backup.checklist, ja) leaves out "how two-step verification is backed up"');
    expect(found).toContain(
      'node acct_readd_backup: its account backup checklist (tree.backup.checklist, ja) leaves out "where the official profile / 一括設定 comes from (bookmark)"',
    );
  });

  // guide-35: the guide's ordered lists said in one message (dialogs/guide.yaml lists:), complete and in the guide's order.
  it("would have caught au's order without the guide's fifth step, the send-and-receive test (before guide-35)", () => {
    const before = 'au のメールは、プロファイルの入れ直しと IMAP パスワードの再入力がよく効きます。順番：控え → 古いプロファイルの削除 → 最新のプロファイル → パスワード → 送信の認証。';
    expect(problems(tree, withTexts({ 'tree.au_entry.say': before }))).toContain(
      `node au_entry: its §13 list "au's five steps" (tree.au_entry.say, ja) leaves out "a send and receive test (and notifications)"`,
    );
  });

  it("would have caught au's test step without the notification check (§13 step 5, before guide-35: the shared carrier_test text)", () => {
    const before = locales.messages.ja.get('tree.carrier_test.say') ?? '';
    expect(before).not.toContain('通知');
    expect(problems(tree, withTexts({ 'tree.au_test.say': before }))).toContain(
      `node au_test: its §13 list "au's fifth step (送受信テストと通知設定の確認)" (tree.au_test.say, ja) leaves out "the notification checked"`,
    );
  });

  it('would have caught the password re-entry that never closed and reopened the mail app (§9, before guide-35)', () => {
    const before =
      '設定 › メール › アカウント › {account_name}を開き、受信（IMAP）と送信（SMTP）の両方で、ユーザ名とパスワードを入れ直してください。\n入力欄をいったん消し、自動入力は使わず手で入力します（大文字・小文字・記号に注意）。保存したら Wi‑Fi とモバイルデータを切り替えて、メールを更新してみてください。';
    expect(problems(tree, withTexts({ 'tree.auth_reenter.say': before }))).toContain(
      'node auth_reenter: its §9 list "both password fields saved alike, then the app closed and reopened" (tree.auth_reenter.say, ja) leaves out "the mail app closed and opened again"',
    );
  });

  it("would have caught the FAQ's five checks with the password before switching the line", () => {
    const real = locales.messages.ja.get('tree.faq_order.say') ?? '';
    const one = '1. Wi‑Fi とモバイルデータを切り替えて再試行';
    const two = '2. パスワードを入れ直し、認証情報を確認（受信と送信の両方）';
    expect(real).toContain(`${one}\n${two}`);
    const swappedBack = real.replace(`${one}\n${two}`, '1. パスワードを入れ直し、認証情報を確認（受信と送信の両方）\n2. Wi‑Fi とモバイルデータを切り替えて再試行');
    expect(problems(tree, withTexts({ 'tree.faq_order.say': swappedBack }))).toContain(
      `node faq_order: its §22 list "the FAQ's five checks, in order" (tree.faq_order.say, ja) says "the password again" only before "switch Wi‑Fi and mobile data" (the guide's order is the other way round)`,
    );
  });

  it('reads an ordered list word by word: missing, out of order, and in order', () => {
    const items = [
      { item: 'a', ja: '控え', en: 'note' },
      { item: 'b', ja: '削除|消す', en: 'delete' },
      { item: 'c', ja: 'テスト', en: 'test' },
    ];
    expect(checkOrderedList('控え → 削除 → テスト', items, 'ja')).toEqual([]);
    expect(checkOrderedList('控え → 消す → テスト', items, 'ja')).toEqual([]);
    expect(checkOrderedList('控え → テスト', items, 'ja')).toEqual(['leaves out "b"']);
    expect(checkOrderedList('Delete, then NOTE, then test', items, 'en')).toEqual([`says "b" only before "a" (the guide's order is the other way round)`]);
  });

  // lint-34: a light step before any backup checklist (safe-34 found three walks showing the deletion checklist first).
  const early = (t: DialogTree) => problems(t).filter((m) => m.includes('no light step first') || m.includes('heavy:') || m.includes('shows a backup checklist'));
  const route = (id: string) => {
    const n = node(id);
    if (n.kind !== 'route') throw new Error(`${id} is a route`);
    return n;
  };

  it('finds no backup checklist before a light step in the tree as it is', () => {
    expect(early(tree)).toEqual([]);
  });

  it('would have caught 「キャリアメールの設定」 showing the SoftBank deletion checklist at turn 1 (before safe-34)', () => {
    const trigger = route('howto_carrier_trigger');
    const old = { ...trigger, cases: [{ when: { trigger: 'os_update' }, next: 'upd_entry' }], default: 'howto_carrier' };
    const found = early(withNodes(old));
    expect(found).toContain(
      'node sb_backup shows a backup checklist with no light step first on the path howto_carrier_trigger → howto_carrier → carrier_route → sb_entry → sb_backup (a step before it, or heavy: asked | after_light | order on an edge of the path)',
    );
    expect(found).toContain(
      'node au_backup shows a backup checklist with no light step first on the path howto_carrier_trigger → howto_carrier → carrier_route → au_entry → au_backup (a step before it, or heavy: asked | after_light | order on an edge of the path)',
    );
  });

  it('lets the re-setup asked for by name through only with its mark (reinstall: profile → heavy: asked)', () => {
    const trigger = route('howto_carrier_trigger');
    expect(trigger.cases.find((c) => c.when.reinstall === 'profile')?.heavy).toBe('asked');
    const unmarked = { ...trigger, cases: trigger.cases.map(({ heavy: _h, ...c }) => (c.when.reinstall === 'profile' ? c : { ...c, heavy: _h })) };
    expect(early(withNodes(unmarked))).toContainEqual(expect.stringMatching(/^node sb_backup shows a backup checklist with no light step first on the path howto_carrier_trigger → howto_carrier → carrier_route → sb_entry → sb_backup /));
  });

  it('would have caught 2-step verification on + carrier mail going to the checklist before the re-entry (before safe-34)', () => {
    const known = route('auth_service_known');
    const old = { ...known, cases: known.cases.filter((c) => c.when.done_password === undefined).map(({ heavy: _h, ...c }) => c) };
    expect(early(withNodes(old))).toContainEqual(
      expect.stringMatching(/^node sb_backup shows a backup checklist with no light step first on the path auth_entry → .*auth_2fa_service → auth_ask_service → auth_service_known → carrier_route → .*sb_backup /),
    );
  });

  it('would have caught no 2-step verification going to the account re-add checklist with the password never re-typed (before safe-34)', () => {
    const info = node('app_pw_not_needed');
    if (info.kind !== 'info') throw new Error('app_pw_not_needed is an info');
    expect(early(withNodes({ ...info, next: 'acct_readd_intro' }))).toContain(
      'node acct_readd_backup shows a backup checklist with no light step first on the path howto_app_pw → howto_app_pw_service → howto_app_pw_route → app_pw_2fa → app_pw_not_needed → acct_readd_intro → acct_readd_backup (a step before it, or heavy: asked | after_light | order on an edge of the path)',
    );
  });

  // guide-36, check 6: the guide's walks (dialogs/guide.yaml walks:) in order along every path, from a start over.
  const walks = (t: DialogTree) => problems(t).filter((m) => / of §\d+ "/.test(m));
  const step = (id: string) => {
    const n = node(id);
    if (n.kind !== 'step') throw new Error(`${id} is a step`);
    return n;
  };

  it('finds every walk of the guide in order in the tree as it is', () => {
    expect(walks(tree)).toEqual([]);
  });

  it('catches two steps of a walk swapped (SoftBank: the SMTP step before the IMAP password)', () => {
    const swapped = withNodes({ ...step('sb_install'), next: 'sb_smtp' }, { ...step('sb_smtp'), next: 'sb_imap_pw' }, { ...step('sb_imap_pw'), next: 'sb_official' });
    expect(walks(swapped)).toContainEqual(
      expect.stringMatching(/^node sb_imap_pw \(step 4\) of §11 "SoftBank's order" is shown after sb_smtp \(step 5\) on the path .*sb_install → sb_smtp → sb_imap_pw, with no start over/),
    );
  });

  it('catches a destructive step reached without its backup checklist (SoftBank: straight to deleting the profile)', () => {
    const entry = node('sb_entry');
    if (entry.kind !== 'info') throw new Error('sb_entry is an info');
    expect(walks(withNodes({ ...entry, next: 'sb_delete_profile' }))).toContainEqual(
      expect.stringMatching(/^node sb_delete_profile \(step 2\) of §11 "SoftBank's order" deletes or resets \(profile\) but sb_backup was not shown first on the path .*sb_entry → sb_delete_profile$/),
    );
  });

  it('would have caught the carrier branch reached again starting the deletion over (before guide-36)', () => {
    const old = (id: string) => {
      const r = route(id);
      return { ...r, cases: r.cases.filter((c) => c.when.done_carrier_setup === undefined) };
    };
    const found = walks(withNodes(old('carrier_route'), old('carrier_known')));
    expect(found).toContainEqual(expect.stringMatching(/^node sb_backup \(step 1\) of §11 "SoftBank's order" is shown after sb_\w+ \(step [3-7]\) on the path /));
    expect(found).toContainEqual(expect.stringMatching(/^node au_backup \(step 1\) of §13 "au's order" is shown after au_\w+ \(step [3-6]\) on the path /));
  });

  it('would have caught a later symptom sending the person back to the start of the update walk (before guide-36)', () => {
    const old = route('auth_trigger');
    const unguarded = { ...old, cases: old.cases.map((c) => ({ ...c, when: Object.fromEntries(Object.entries(c.when).filter(([k]) => k !== 'done_trigger')) })) };
    expect(walks(withNodes(unguarded))).toContainEqual(
      expect.stringMatching(/^node upd_wait \(step 1\) of §18 "after an update .*" is shown after upd_\w+ \(step [2-7]\) on the path .*auth_trigger → upd_entry → upd_wait, with no start over/),
    );
  });

  // guide-37: check 6 keeps its facts packed (factSpace); edgeFollower (check 2b) keeps them as objects. Same answers.
  it('follows edges with packed facts exactly as with object facts, along the first 4000 states from every root', () => {
    const space = factSpace(tree);
    const follow = edgeFollower(tree);
    const norm = (f: Facts) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, [...new Set(v)].sort()]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
    const roots = [...new Set([tree.start, ...Object.values(tree.globals), ...Object.values(tree.entries)])].filter((id): id is string => !!id && tree.nodes.has(id));
    const queue = roots.map((id) => ({ id, packed: space.at(id), facts: space.unpack(space.at(id)) }));
    const seen = new Set<string>();
    let compared = 0;
    for (let q = 0; q < queue.length && q < 4000; q++) {
      const st = queue[q]!;
      const from = tree.nodes.get(st.id)!;
      for (const e of edgesOf(from, tree).filter((x) => tree.nodes.has(x.to))) {
        const a = follow(from, e, st.facts);
        const b = space.follow(from, e, st.packed);
        expect(b && space.unpack(b), `${st.id} → ${e.to} (${e.path.join('.')})`).toEqual(a && norm(a));
        compared++;
        if (!a || !b) continue;
        const key = `${e.to}|${JSON.stringify(norm(a))}`;
        if (seen.has(key)) continue;
        seen.add(key);
        queue.push({ id: e.to, packed: b, facts: a });
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });

  it('refuses heavy: after_light on a case no light step guards, and a checklist as the entry of another topic', () => {
    const trigger = route('howto_carrier_trigger');
    const lying = { ...trigger, cases: trigger.cases.map((c) => (c.when.carrier === 'docomo' ? { ...c, heavy: 'after_light' as const } : c)) };
    expect(early(withNodes(lying))).toContain(
      'node howto_carrier_trigger: case 4 is marked heavy: after_light but neither wants a done_* slot filled nor follows the same case with it empty',
    );
    expect(early({ ...tree, entries: { ...tree.entries, error_auth: 'sb_backup' } })).toContain(
      'node sb_backup shows a backup checklist but is a start, global or entry node (only the entry of its own topic may be)',
    );
  });
});

describe('mailmedic lint (spawned) and the guide', () => {
  const cli = join(root, 'dist', 'cli', 'main.js');
  it('prints the coverage of the guide after the summary', () => {
    if (!existsSync(cli)) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
    const r = spawnSync(process.execPath, [cli, 'lint'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ok: \d+ nodes, \d+ locale keys, 25 intents\nguide sections covered: 22\/22 \(ja, en\)\n$/);
  });
});
