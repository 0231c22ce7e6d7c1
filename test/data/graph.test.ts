import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDialogs, packageRoot } from '../../src/data/load.js';
import { conditionLabel, sectionColour, toMermaid } from '../../src/dialog/graph.js';

const root = packageRoot();
const tree = loadDialogs(root).tree;
if (!tree) throw new Error('the tree does not load');

describe('toMermaid', () => {
  const text = toMermaid(tree);
  it('is a top-down flowchart', () => expect(text.startsWith('flowchart TD\n')).toBe(true));
  it('draws every node, with a shape that tells its kind', () => {
    for (const node of tree.nodes.values()) expect(text).toContain(`n_${node.id}`);
    expect(text).toContain('n_handoff[["handoff (handoff)"]]');
    expect(text).toContain('n_end(("end (end)"))');
    expect(text).toContain('n_resolved(["resolved (resolve)"])');
    expect(text).toContain('n_auth_service{{"auth_service (route)"}}');
  });
  it('hangs entries off the intent pseudo node and labels step answers and route conditions', () => {
    expect(text).toContain('INTENT -->|"error_auth"| n_auth_entry');
    expect(text).toContain('START --> n_menu');
    expect(text).toContain('n_auth_reenter -->|"not_resolved"| n_auth_service');
    expect(text).toContain('n_auth_reenter -->|"resolved"| n_resolved');
    expect(text).toContain('n_carrier_route -->|"carrier=softbank"| n_sb_entry');
    expect(text).toContain('n_auth_reenter_android_other -.->|"not done_password empty; device=android"| n_auth_service');
  });
  it('leaves out the shared resolved edges when compact', () => {
    expect(toMermaid(tree, { omitGlobalResolved: true })).not.toContain('n_auth_reenter -->|"resolved"|');
  });
  it('keeps quotes from breaking a label', () => {
    expect(conditionLabel({ carrier: ['docomo', 'au'], service: '*' })).toBe('carrier=docomo,au; service filled');
  });
});

describe('mailmedic graph (spawned)', () => {
  it('prints the whole tree as Mermaid on stdout', () => {
    const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'graph', '--locale', 'ja'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('flowchart TD')).toBe(true);
    for (const id of tree.nodes.keys()) expect(r.stdout).toContain(`n_${id}`);
    expect(r.stdout).toContain('auth_reenter: パスワードの手入力');
  });
  it('names a question by its staff title, not by what it says (round 37)', () => {
    // Nine device questions say 「お使いの端末を教えてください（iPhone・iPad と Android では…」: their boxes read alike.
    for (const [locale, line] of [
      ['ja', 'n_dev_device[/"dev_device: 端末は？（再起動などの基本の手順）"/]'],
      ['en', 'n_dev_device[/"dev_device: Which device? (basic steps)"/]'],
    ]) {
      const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'graph', '--locale', locale!], { cwd: root, encoding: 'utf8' });
      expect(r.stdout).toContain(line);
    }
  });
  it('refuses an unknown locale', () => {
    const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'graph', '--locale', 'fr'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
  });
});

describe('toMermaid by guide section', () => {
  const sections = [
    { id: '§7', label: 'Quick steps on the device' },
    { id: '§19', label: 'Before deleting' },
  ];
  const text = toMermaid(tree, { sections });
  it('colours each node by the first section it names, with a legend in the same colours', () => {
    expect(text).toContain('class n_dev_restart sec7');
    expect(text).toContain('class n_sb_backup sec19');
    expect(text).toContain('sec7_key["§7 Quick steps on the device"]');
    expect(text).toMatch(/classDef sec7 fill:#[0-9a-f]{6},/);
    expect(text).toContain('class sec19_key sec19');
  });
  it('leaves nodes of sections not listed in their default style', () => {
    expect(text).not.toContain('class n_net_airplane ');
  });
  it('gives neighbouring sections different colours', () => {
    const colours = Array.from({ length: 22 }, (_, i) => sectionColour(i, 22));
    expect(new Set(colours).size).toBe(22);
  });
  it('is not drawn without the option', () => expect(toMermaid(tree)).not.toContain('classDef'));
});

describe('mailmedic graph --by-section (spawned)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'graph', ...args], { cwd: root, encoding: 'utf8' });
  it("colours the repository's tree by the guide's 22 sections, headings in the chosen language", () => {
    const r = run('--by-section', '--locale', 'ja');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^ {2}classDef sec\d+ /gm)).toHaveLength(22);
    expect(r.stdout).toContain('sec15_key["§15 機種変更・iCloud移行時のメールアカウントエラーとは?設定衝突ゼロを実現す…"]');
    expect(run('--by-section').stdout).toContain('sec15_key["§15 Changing phones — the conflict table an…"]');
  });
  it('refuses --by-section for a tree without a guide list', () => {
    expect(run('--by-section', '--root', 'test/fixtures/lint-ok').status).toBe(2);
  });
});
