// Spark runs in a real VS Code (code-server + Chromium, the packaged .vsix): open a real event log from the
// Spark Runs view, see its executions, the time lens on the code that ran them, the metrics hover, the execution
// graph coloured by time, and the slowest-operators list that jumps to code. Screenshots land in test-results/runs/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, requireCorpora } from '../helpers';
import { e2eSkipReason, RESULTS, VsCodeSession } from './harness';
import { lensesUntil, webview } from './editorHelpers';

const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

/** The code that made the public logs, and one log, in a temp workspace (the corpora are read in place). */
function runsWorkspace(): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'daglens-runs-ws-')), 'spark-jobs');
  cpSync(path.join(requireCorpora(), 'spark-eventlogs', 'code'), dir, { recursive: true });
  mkdirSync(path.join(dir, 'logs'));
  copyFileSync(
    path.join(requireCorpora(), 'spark-eventlogs', 'logs', 'e2e_local_stale.zstd'),
    path.join(dir, 'logs', 'local-1776286786993.zstd'),
  );
  return dir;
}

describe('Spark runs in a real VS Code', { skip }, () => {
  let vs: VsCodeSession;

  before(async () => {
    vs = await VsCodeSession.start({
      name: 'runs',
      workspace: runsWorkspace(),
      settings: { 'editor.stickyScroll.enabled': false },
    });
  });
  after(() => vs?.close());

  test('open an event log from the Spark Runs view: every execution, with its duration, status and place in code', async () => {
    await vs.step('status-ready', () => vs.waitForStatus((s) => s.icons.includes('type-hierarchy'), 120_000));
    await vs.page.locator('.activitybar .action-item a[aria-label^="DagLens"]').first().click();
    const view = vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: 'Spark Runs' }) });
    await view.locator('.pane-header').first().waitFor({ timeout: 30_000 });
    // The view's welcome offers the two ways in; the file dialog takes a typed path.
    await vs.step('runs-welcome', () =>
      view.locator('a, .monaco-button', { hasText: 'Open Event Log' }).first().click(),
    );
    // The file dialog (code-server's own) fills in its start folder, and its list follows what is typed, a moment
    // later each: type the path, let it settle, accept, and type again if the dialog reset it meanwhile.
    const input = vs.page.locator('.quick-input-widget input');
    const want = path.join(vs.workspace, 'logs', 'local-1776286786993.zstd');
    await input.waitFor({ timeout: 15_000 });
    for (let attempt = 0; attempt < 5 && (await vs.page.locator('.quick-input-widget').isVisible()); attempt++) {
      await input.fill(want);
      await vs.page
        .locator('.quick-input-widget .monaco-list-row', { hasText: 'local-1776286786993.zstd' })
        .first()
        .waitFor({ timeout: 15_000 })
        .catch(() => undefined);
      await vs.page.waitForTimeout(500);
      if ((await input.inputValue().catch(() => '')) !== want) continue;
      await vs.page.keyboard.press('Enter');
      await vs.page
        .locator('.quick-input-widget')
        .waitFor({ state: 'hidden', timeout: 5_000 })
        .catch(() => undefined);
    }
    const rows = view.locator('.monaco-list-row');
    await vs.step('runs-view', () => rows.filter({ hasText: '#6' }).first().waitFor({ timeout: 60_000 }));
    const labels = await vs.treeRows(view);
    assert.match(labels[0].label, /shs-e2e-app1/);
    assert.equal(labels.filter((r) => r.level === 2).length, 10, JSON.stringify(labels));
    const six = labels.find((r) => /^#6 /.test(r.label))!.label;
    assert.match(six, /collect at \/app\/generate_events\.py:86/);
    // The execution's row opens its code (the mouse leaves the tree first: a row's tooltip would cover the next).
    await vs.page.mouse.move(900, 600);
    await vs.page
      .locator('.context-view .monaco-hover')
      .first()
      .waitFor({ state: 'hidden', timeout: 5_000 })
      .catch(() => undefined);
    await rows.filter({ hasText: '#8' }).first().click();
    await vs.page.waitForFunction(
      () =>
        document
          .querySelector('.tabs-container .tab.active')
          ?.getAttribute('aria-label')
          ?.startsWith('generate_events.py'),
      undefined,
      { timeout: 15_000 },
    );
  });

  test('a time lens on the code the run spent time on; its hover has the metrics as Spark shows them', async () => {
    const texts = await vs.step('runs-lens', () =>
      lensesUntil(
        vs,
        (t) => t.some((x) => /⏱ 2\.7 s · .*execution 8/.test(x)) && t.some((x) => /spill 80 MiB/.test(x)),
      ),
    );
    assert.ok(
      texts.some((x) => /⏱ [\d.]+ s · [\d.]+ M rows · spill 80 MiB/.test(x)),
      JSON.stringify(texts),
    );
    // Hover the sort(...) call of SQL 3: the Sort operator's sort time, peak memory and spill.
    const line = vs.page.locator('.editor-instance .view-line', { hasText: '.sort("r1", "r2", "r3")' }).first();
    await line.hover({ position: { x: 40, y: 5 } });
    const hover = vs.page.locator('.monaco-hover:not(.hidden)');
    await vs.step('runs-hover', () => hover.filter({ hasText: 'spill size' }).first().waitFor({ timeout: 20_000 }));
    assert.match(await hover.first().innerText(), /Sort #\d+ \(execution 8, high\)/);
  });

  test('the lens opens the execution graph, coloured by time; the slowest operators jump to code', async () => {
    await vs.page.keyboard.press('Escape');
    await vs.page
      .locator('.monaco-editor .codelens-decoration a', { hasText: /execution 8/ })
      .first()
      .click();
    const graph = await webview(vs, '.dl-stage', 60_000);
    await vs.step('runs-graph', () =>
      graph.waitForFunction(() => document.querySelectorAll('.dl-node .dl-heat').length > 3, undefined, {
        timeout: 60_000,
      }),
    );
    assert.match(await graph.locator('.dl-title').innerText(), /^Spark execution 8 of shs-e2e-app1/);
    assert.ok((await graph.locator('.dl-node.dl-hot').count()) >= 1, 'the slowest stage is tinted');
    assert.ok(await graph.locator('.dl-heat-legend:not([hidden])').count());
    await vs.runCommand('View: Focus First Editor Group');
    await vs.runCommand('DagLens: Show Slowest Operators');
    const first = vs.page.locator('.quick-input-widget .monaco-list-row').first();
    await vs.step('runs-slowest', () => first.waitFor({ timeout: 15_000 }));
    assert.match(await first.innerText(), /WholeStageCodegen \(2\)/);
    await vs.page.keyboard.press('Enter');
    await vs.page.waitForFunction(
      () => /Ln 116,/.test(document.querySelector('.statusbar-item[id="status.editor.selection"]')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
  });

  after(() => {
    // DAGLENS_UPDATE_SCREENSHOTS=1 refreshes the README's pictures of the Runs view and the time lens.
    const shots = path.join(RESULTS, 'runs');
    if (!process.env.DAGLENS_UPDATE_SCREENSHOTS || !existsSync(shots)) return;
    const keep = ['runs-view', 'runs-lens', 'runs-graph'];
    const dest = path.join(REPO, 'docs', 'screenshots');
    mkdirSync(dest, { recursive: true });
    for (const f of readdirSync(shots)) {
      const step = f.replace(/^\d+-/, '').replace(/\.png$/, '');
      if (keep.includes(step)) copyFileSync(path.join(shots, f), path.join(dest, `${step}.png`));
    }
  });
});
