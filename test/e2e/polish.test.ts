// What a data engineer sees in a real VS Code (code-server + Chromium, the packaged .vsix) on jaffle-shop, TPC-DS
// plans and an Airflow DAG from ../shared/corpora (issue 16): dbt models drawn once, Airflow tasks named, offline
// answers from lineage, navigation that lands on the right code without selecting it, DAG graphs that label scans
// and show the whole plan at once, plan hovers whose Impact link works, model columns from SQL, chat citations
// that link, DagLens settings editable in the Settings editor, and one clear error for a file that is no DAG.
// Screenshots of every step land in test-results/polish/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assembleEditorWorkspace } from '../editorWorkspace';
import { FakeOpenAI } from '../fake-openai/server';
import { REPO, requireCorpora } from '../helpers';
import { e2eSkipReason, RESULTS, VsCodeSession } from './harness';
import { cursor, goToLine, hoverWord, lensesUntil, toasts, waitForActiveTab, webview } from './editorHelpers';

const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

/** The editor workspace plus a 30-operator plan with its query, a 523-operator plan, a model's YAML and a JSON that is no DAG. */
function workspace(): string {
  const dir = assembleEditorWorkspace();
  const tpcds = path.join(requireCorpora(), 'spark-tpcds', 'spark3');
  const add = (from: string, to: string) => {
    mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    copyFileSync(from, path.join(dir, to));
  };
  add(path.join(tpcds, 'queries', 'query07.sql'), 'tpcds/query07.sql');
  add(path.join(tpcds, 'plans', 'query07.explain.txt'), 'tpcds/query07.explain.txt');
  add(path.join(tpcds, 'plans', 'query14.explain.txt'), 'big/query14.explain.txt');
  add(path.join(tpcds, 'labels', 'query03.json'), 'tpcds/query03.labels.json');
  add(
    path.join(requireCorpora(), 'dbt', 'jaffle-shop', 'models', 'staging', 'stg_customers.yml'),
    'jaffle_shop/models/staging/stg_customers.yml',
  );
  return dir;
}

describe('editor polish in a real VS Code', { skip }, () => {
  let vs: VsCodeSession;
  let fake: FakeOpenAI;
  const timings: string[] = [];

  before(async () => {
    fake = await FakeOpenAI.start({ apiKey: 'sk-e2e', models: ['fake-chat'] });
    // The key is there from the start; the model is configured later (the chat first answers without one).
    process.env.OPENAI_API_KEY = 'sk-e2e';
    vs = await VsCodeSession.start({
      name: 'polish',
      workspace: workspace(),
      settings: { 'editor.stickyScroll.enabled': false },
    });
  });
  after(async () => {
    for (const t of timings) console.log(`# e2e: ${t}`);
    await vs?.close();
    await fake?.close();
    delete process.env.OPENAI_API_KEY;
  });

  test('the server gets ready', async () => {
    await vs.step('status-ready', () => vs.waitForStatus((s) => s.icons.includes('type-hierarchy'), 120_000));
  });

  test('lenses count what lies downstream of a model, not the model itself', async () => {
    await vs.step('lens-stg-orders', () => vs.openFile('jaffle_shop/models/staging/stg_orders.sql'));
    // orders reads stg_orders, customers reads orders: two models downstream.
    await lensesUntil(vs, (t) => t.includes('reads 1 · writes 1 · 2 downstream'));
    await vs.openFile('jaffle_shop/models/marts/customers.sql');
    await vs.step('lens-customers', () => lensesUntil(vs, (t) => t.includes('reads 2 · writes 1 · 0 downstream')));
  });

  test("a lens list's read opens the upstream model, not the ref() line of this file", async () => {
    await vs.page
      .locator('.codelens-decoration a', { hasText: /^reads 2 · writes 1/ })
      .first()
      .click();
    const row = vs.page.locator('.quick-input-widget .monaco-list-row[aria-label^="stg_customers"]').first();
    await vs.step('lens-list', () => row.waitFor({ timeout: 10_000 }));
    assert.match(
      (await row.getAttribute('aria-label')) ?? '',
      /from stg_customers \(jaffle_shop\/models\/staging\/stg_customers\.sql:1\)/,
    );
    await vs.step('lens-list-open', async () => {
      await row.click();
      await waitForActiveTab(vs, 'stg_customers.sql');
    });
    assert.equal((await cursor(vs)).line, 1);
  });

  test('the lineage graph draws each dbt model once; clicking one opens its SQL without selecting it', async () => {
    await vs.openFile('jaffle_shop/models/marts/customers.sql');
    await vs.runCommand('DagLens: Show Lineage');
    const graph = await webview(vs, '.dl-stage', 60_000);
    await vs.step('lineage-models', () =>
      graph.waitForFunction(
        () =>
          /^Lineage of customers/.test(document.querySelector('.dl-title')?.textContent ?? '') &&
          document.body.dataset.rendered,
        undefined,
        { timeout: 60_000 },
      ),
    );
    const labels = await graph
      .locator('.dl-node text:not(.dl-glyph)')
      .evaluateAll((ts) => ts.map((t) => t.textContent ?? ''));
    assert.deepEqual(
      labels.filter((l, i) => labels.indexOf(l) !== i),
      [],
      `every node once: ${labels.join(', ')}`,
    );
    for (const name of ['stg_customers', 'orders', 'customers', 'stg_orders'])
      assert.ok(labels.includes(name), `${name} in ${labels.join(', ')}`);
    await vs.runCommand('View: Focus First Editor Group');
    await vs.step('lineage-node-open', async () => {
      await graph
        .locator('.dl-node', { has: graph.locator('text:not(.dl-glyph)', { hasText: /^orders$/ }) })
        .first()
        .click();
      await waitForActiveTab(vs, 'orders.sql');
    });
    const at = await cursor(vs);
    assert.equal(at.selected, 0, 'the model is highlighted, not selected: typing does not replace it');
  });

  test("hovers: a model's columns from its SQL as well as its YAML; a qualified column through a CTE of `*`", async () => {
    await vs.openFile('jaffle_shop/models/marts/customers.sql');
    await lensesUntil(vs, (t) => t.some((x) => x.startsWith('reads 2')));
    const columns = vs.page.locator('.monaco-hover-content', { hasText: 'Columns' }).first();
    await vs.step('hover-model-columns', async () => {
      await hoverWord(vs, 'stg_customers');
      await columns.waitFor({ state: 'visible', timeout: 20_000 });
    });
    assert.match(await columns.innerText(), /Columns \(2\):\s*customer_id\s*,\s*customer_name/);
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
    const derives = vs.page.locator('.monaco-hover-content', { hasText: 'derives from' }).first();
    await vs.step('hover-qualified-column', async () => {
      await hoverWord(vs, 'subtotal');
      await derives.waitFor({ state: 'visible', timeout: 20_000 });
    });
    const text = await derives.innerText();
    assert.match(text, /model\.jaffle_shop\.orders\.subtotal/);
    assert.doesNotMatch(text, /table unknown/);
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
  });

  test('Airflow: lenses name the operator and the tasks around it; Map DAG to Code… maps the open DAG file; graph nodes are tasks', async () => {
    await vs.openFile('dags/prepare_earnings_report.py');
    // The tasks are further down: bring get_total_earnings into view.
    await goToLine(vs, 95);
    await vs.step('airflow-lenses', () =>
      lensesUntil(vs, (t) => t.some((x) => /^SnowflakeOperator · 1 upstream task · 1 downstream task/.test(x))),
    );
    await vs.runCommand('DagLens: Map DAG to Code…');
    const toast = vs.page
      .locator('.notifications-toasts .notification-toast', { hasText: 'Airflow DAG prepare_earnings_report.py' })
      .first();
    await vs.step('airflow-mapped', () => toast.waitFor({ timeout: 60_000 }));
    assert.match(await toast.innerText(), /Airflow DAG prepare_earnings_report\.py: 5 tasks/);
    await toast.locator('.monaco-button', { hasText: 'Show Graph' }).click();
    const graph = await webview(vs, '.dl-stage', 60_000);
    await vs.step('airflow-graph', () =>
      graph.waitForFunction(
        () =>
          /prepare_earnings_report/.test(document.querySelector('.dl-title')?.textContent ?? '') &&
          document.body.dataset.rendered,
        undefined,
        { timeout: 60_000 },
      ),
    );
    const labels = await graph
      .locator('.dl-node text:not(.dl-glyph)')
      .evaluateAll((ts) => ts.map((t) => t.textContent ?? ''));
    assert.deepEqual([...labels].sort(), [
      'get_key_metrics',
      'get_total_earnings',
      'send_mails_internal_platform',
      'set_up_internal_reporting_platform',
      'tear_down_internal_reporting_platform',
    ]);
  });

  test('a DAG graph: scans named by table, the whole 30-operator plan in view at once, tooltips inside the view, a filter by table', async () => {
    await vs.runCommand('View: Focus First Editor Group');
    await vs.runCommand('View: Show Explorer');
    await vs.openFile('tpcds/query07.explain.txt');
    await vs.runCommand('DagLens: Show DAG Graph');
    const graph = await webview(vs, '.dl-stage', 60_000);
    await vs.step('dag-graph', () =>
      graph.waitForFunction(
        () =>
          /^DAG query07/.test(document.querySelector('.dl-title')?.textContent ?? '') &&
          document.body.dataset.rendered === '30',
        undefined,
        { timeout: 90_000 },
      ),
    );
    timings.push(
      `DAG graph of 30 operators (query07) laid out and drawn in ${await graph.locator('body').getAttribute('data-layout-ms')} ms in the webview`,
    );
    const labels = await graph
      .locator('.dl-node text:not(.dl-glyph)')
      .evaluateAll((ts) => ts.map((t) => t.textContent ?? ''));
    for (const t of ['store_sales', 'customer_demographics', 'date_dim', 'item', 'promotion'])
      assert.ok(labels.includes(`FileScan ${t}`), `FileScan ${t} in ${labels.join(', ')}`);
    // Fitted: every node is inside the visible stage.
    const boxes = await graph.locator('.dl-node rect:first-of-type').evaluateAll((rs) =>
      rs.map((r) => {
        const b = r.getBoundingClientRect();
        return { l: b.left, t: b.top, r: b.right, b: b.bottom };
      }),
    );
    const stageRect = await graph.locator('.dl-stage').evaluate((s) => {
      const b = s.getBoundingClientRect();
      return { l: b.left, t: b.top, r: b.right, b: b.bottom };
    });
    for (const b of boxes)
      assert.ok(
        b.l >= stageRect.l - 1 && b.r <= stageRect.r + 1 && b.t >= stageRect.t - 1 && b.b <= stageRect.b + 1,
        `node at ${JSON.stringify(b)} inside ${JSON.stringify(stageRect)}`,
      );
    // The right-most node's tooltip stays inside the view.
    const rightmost = await graph
      .locator('.dl-node')
      .evaluateAll(
        (ns) => ns.map((n, i) => ({ i, r: n.getBoundingClientRect().right })).sort((a, b) => b.r - a.r)[0]!.i,
      );
    await vs.step('dag-tooltip', async () => {
      await graph.locator('.dl-node').nth(rightmost).hover();
      await graph.locator('.dl-tooltip:not([hidden])').waitFor({ timeout: 10_000 });
    });
    const tip = await graph.locator('.dl-tooltip').evaluate((t) => {
      const b = t.getBoundingClientRect();
      return { l: b.left, t: b.top, r: b.right, b: b.bottom };
    });
    assert.ok(
      tip.l >= stageRect.l - 1 && tip.r <= stageRect.r + 1 && tip.t >= stageRect.t - 1 && tip.b <= stageRect.b + 1,
      `tooltip ${JSON.stringify(tip)} inside ${JSON.stringify(stageRect)}`,
    );
    await vs.step('dag-filter', async () => {
      await graph.locator('.dl-filter').fill('store_sales');
      await graph.locator('.dl-filter').press('Enter');
      await graph.waitForFunction(
        () => /filtered “store_sales”/.test(document.querySelector('.dl-graph-status')?.textContent ?? ''),
        undefined,
        { timeout: 30_000 },
      );
    });
    assert.ok((await graph.locator('.dl-node text:not(.dl-glyph)').allTextContents()).includes('FileScan store_sales'));
  });

  test('a 523-operator plan is laid out and drawn (the time is printed with the results)', async () => {
    await vs.runCommand('View: Focus First Editor Group');
    await vs.runCommand('View: Show Explorer');
    await vs.openFile('big/query14.explain.txt');
    await vs.runCommand('DagLens: Show DAG Graph');
    const graph = await webview(vs, '.dl-stage', 60_000);
    await vs.step('dag-graph-523', () =>
      graph.waitForFunction(
        () =>
          /^DAG query14/.test(document.querySelector('.dl-title')?.textContent ?? '') &&
          document.body.dataset.rendered === '523',
        undefined,
        { timeout: 180_000 },
      ),
    );
    timings.push(
      `DAG graph of 523 operators (query14) laid out and drawn in ${await graph.locator('body').getAttribute('data-layout-ms')} ms in the webview`,
    );
  });

  test("a plan operator's hover links to the impact of the code it maps to, and the link works", async () => {
    await vs.runCommand('View: Focus First Editor Group');
    await vs.runCommand('View: Show Explorer');
    await vs.openFile('tpcds/query07.explain.txt');
    await lensesUntil(vs, (t) => t.some((x) => /^→ query07\.sql:\d+/.test(x)), 90_000);
    const physical = vs.page.locator('.editor-instance .view-line', {
      hasText: 'FileScan parquet spark_catalog.tpcds.store_sales',
    });
    await goToLine(vs, 80);
    await physical.first().waitFor({ timeout: 20_000 });
    const hover = vs.page
      .locator('.monaco-hover-content', { has: vs.page.locator('a', { hasText: 'Impact' }) })
      .first();
    await vs.step('plan-hover', async () => {
      await vs.page.mouse.move(5, 5);
      await physical.first().hover({ position: { x: 60, y: 5 } });
      await hover.waitFor({ state: 'visible', timeout: 30_000 });
    });
    assert.match(await hover.innerText(), /FileScan — high/);
    await vs.step('plan-hover-impact', () => hover.locator('a', { hasText: 'Impact' }).click());
    const graph = await webview(vs, '.dl-stage', 60_000);
    await graph.waitForFunction(
      () =>
        /^Impact of changing |Could not/.test(
          `${document.querySelector('.dl-title')?.textContent ?? ''} ${document.querySelector('.dl-graph-status')?.textContent ?? ''}`,
        ),
      undefined,
      { timeout: 60_000 },
    );
    assert.match(await graph.locator('.dl-title').innerText(), /^Impact of changing SELECT/);
    assert.doesNotMatch(await graph.locator('.dl-graph-status').innerText(), /nothing with lineage/);
  });

  test("jumping from a plan lens: the code line is highlighted, not selected, and stays put when the code's lenses arrive", async () => {
    await vs.runCommand('View: Focus First Editor Group');
    await vs.runCommand('View: Show Explorer');
    await vs.step('jump-plan', () => vs.openFile('tpcds/query03.explain.txt'));
    await vs.runCommand('DagLens: Map DAG to Code…');
    const lens = vs.page.locator('.editor-instance .codelens-decoration a:visible', {
      hasText: /^→ query03\.sql:\d+ · \d\.\d\d$/,
    });
    await goToLine(vs, 74);
    await vs.step('jump-plan-lenses', () => lens.first().waitFor({ timeout: 60_000 }));
    const target = Number(/:(\d+)/.exec(await lens.first().innerText())![1]);
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
    const clicked = Date.now();
    await lens.first().click();
    await waitForActiveTab(vs, 'query03.sql');
    await vs.page.waitForFunction(
      (n) =>
        new RegExp(`Ln ${n},`).test(
          document.querySelector('.statusbar-item[id="status.editor.selection"]')?.textContent ?? '',
        ),
      target,
      { timeout: 15_000 },
    );
    timings.push(`plan lens → cursor on the code line in ${Date.now() - clicked} ms`);
    const lineTop = () =>
      vs.page.evaluate(
        () =>
          document.querySelector('.editor-instance .monaco-editor .cursors-layer .cursor')?.getBoundingClientRect()
            .top ?? NaN,
      );
    const before = await lineTop();
    await vs.step('jump-lenses', () => lensesUntil(vs, (t) => t.some((x) => x.startsWith('⬡ query03.explain.txt'))));
    timings.push(`plan lens → the code's own lenses shown in ${Date.now() - clicked} ms`);
    await vs.page.waitForTimeout(300);
    const after = await lineTop();
    const at = await cursor(vs);
    assert.equal(at.line, target);
    assert.equal(at.selected, 0);
    assert.ok(
      Math.abs(after - before) < 2,
      `the cursor line moved from y=${before} to y=${after} when the lenses arrived`,
    );
  });

  test('a JSON that is no DAG: one clear error, no empty graph to show', async () => {
    await vs.openFile('tpcds/query03.labels.json');
    await vs.runCommand('DagLens: Map DAG to Code…');
    await vs.step('bad-dag', () =>
      vs.page
        .locator('.notifications-toasts .notification-toast', { hasText: 'query03.labels.json' })
        .first()
        .waitFor({ timeout: 60_000 }),
    );
    await vs.page.waitForTimeout(1000);
    const shown = (await toasts(vs)).filter((t) => /DagLens/.test(t.text));
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.equal(shown[0]!.severity, 'error', JSON.stringify(shown));
    assert.deepEqual(
      shown[0]!.buttons.filter((b) => /Graph/.test(b)),
      [],
    );
    assert.match(shown[0]!.text, /query03\.labels\.json/);
    await vs.runCommand('Notifications: Clear All Notifications');
  });

  test('without a model the chat answers from lineage: the models that read stg_orders, cited and linked', async () => {
    await vs.page.locator('.activitybar .action-item a[aria-label^="DagLens"]').first().click();
    const chat = await webview(vs, '.dl-composer');
    // The chat gets the sidebar's height: the Spark Runs view beside it is collapsed.
    const runs = vs.page.locator('.pane-header[aria-expanded="true"]', { hasText: 'Spark Runs' });
    if (await runs.count()) await runs.first().click();
    const banner = chat.locator('.dl-banner');
    await banner.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await banner.innerText(), /^\s*[A-Z]/, 'the banner starts a sentence');
    await chat.locator('.dl-input').fill('Which models read stg_orders?');
    await chat.locator('.dl-input').press('Enter');
    const turn = chat.locator('.dl-turn.dl-assistant.dl-done').last();
    await vs.step('chat-offline-lineage', async () => {
      await turn.waitFor({ timeout: 60_000 });
      // The sidebar is short: show the answer from its start (the question above it).
      await chat
        .locator('.dl-turn.dl-user')
        .last()
        .evaluate((q) => q.scrollIntoView({ block: 'start' }));
    });
    const text = await turn.locator('.dl-answer').innerText();
    assert.match(text, /From the lineage: stg_orders is read by orders \[1\]/);
    assert.doesNotMatch(text, /^\d+\. /m, 'no numbered list repeating the citations');
    assert.match(await turn.locator('.dl-citation').first().innerText(), /^\[1\] orders · orders\.sql:1/);
    await vs.step('chat-offline-link', async () => {
      await turn.locator('.dl-answer a.dl-cite', { hasText: '[1]' }).first().click();
      await waitForActiveTab(vs, 'orders.sql');
    });
  });

  test('with a model: invented citations leave the answer, [n] links to its chip, code wraps and chips stay in the sidebar', async () => {
    const settings = path.join(vs.workspace, '.vscode', 'settings.json');
    mkdirSync(path.dirname(settings), { recursive: true });
    writeFileSync(
      settings,
      JSON.stringify({
        'daglens.llm.baseUrl': fake.url,
        'daglens.llm.model': 'fake-chat',
        'daglens.llm.contextWindow': 16_000,
      }),
    );
    const chat = await webview(vs, '.dl-composer');
    await vs.step('chat-model-ready', () => chat.locator('.dl-banner').waitFor({ state: 'hidden', timeout: 30_000 }));
    const longLine = `select ${Array.from({ length: 30 }, (_, i) => `sum(order_total_component_${i})`).join(' + ')} as lifetime_value_before_any_discounts_or_refunds from orders`;
    fake.reply({
      type: 'answer',
      content: `Customers come from stg_customers [1] and orders [2]; see also [9] and \`models/ghost.sql:1-3\`.\n\n\`\`\`sql\n${longLine}\n\`\`\``,
      chunks: 6,
    });
    const answered = await chat.locator('.dl-turn.dl-assistant').count();
    await chat.locator('.dl-input').fill('Where do customers come from?');
    await chat.locator('.dl-input').press('Enter');
    const turn = chat.locator('.dl-turn.dl-assistant').nth(answered).and(chat.locator('.dl-done'));
    await vs.step('chat-model-answer', () => turn.waitFor({ timeout: 60_000 }));
    const answer = turn.locator('.dl-answer');
    const text = await answer.innerText();
    assert.doesNotMatch(text, /\[9\]/, 'an invented [9] is gone');
    assert.equal(
      await answer.locator('s, del').filter({ hasText: 'models/ghost.sql:1-3' }).count(),
      1,
      'an invented file is struck through',
    );
    assert.match(text, /left out 2 citations/);
    assert.equal(await answer.locator('a.dl-cite').count(), 2);
    const pre = await answer.locator('pre').evaluate((p) => ({ scroll: p.scrollWidth, client: p.clientWidth }));
    assert.ok(pre.scroll <= pre.client + 1, `the code block wraps: ${JSON.stringify(pre)}`);
    const box = await chat.locator('.dl-transcript').evaluate((t) => t.getBoundingClientRect().right);
    const chips = await turn
      .locator('.dl-citation')
      .evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().right));
    for (const r of chips) assert.ok(r <= box + 1, `chip ends at ${r}, the sidebar at ${box}`);
  });

  test('Settings: DagLens\'s section labels carry no "Daglens", object settings are editable, an unused one is out of the way', async () => {
    // A wide editor: the Settings editor hides its table of contents when narrow.
    await vs.runCommand('View: Close All Editor Groups');
    await vs.runCommand('Preferences: Open User Settings');
    await vs.page.locator('.settings-editor').waitFor({ timeout: 20_000 });
    await vs.page.waitForTimeout(1500);
    const toc = vs.page.locator('.settings-toc-container');
    await toc.getByText('Extensions', { exact: false }).first().click();
    await toc.getByText('DagLens', { exact: false }).first().click();
    await vs.step('settings-section', () =>
      vs.page
        .locator('.settings-editor .setting-item-title', { hasText: 'Code Lens: Lineage' })
        .first()
        .waitFor({ timeout: 20_000 }),
    );
    const titles = await vs.page.locator('.settings-editor .setting-item-title').allTextContents();
    assert.ok(titles.length > 3 && titles.every((t) => !/Daglens/.test(t)), JSON.stringify(titles));
    const search = async (q: string) => {
      await vs.page.locator('.settings-editor .suggest-input-container').first().click();
      await vs.page.keyboard.press('Control+A');
      await vs.page.keyboard.type(q);
      await vs.page.waitForTimeout(1500);
    };
    for (const key of ['daglens.llm.azure', 'daglens.llm.fallback']) {
      await search(key);
      const item = vs.page
        .locator('.settings-editor .setting-item-contents', { hasText: /Azure OpenAI|Providers tried in order/ })
        .first();
      await vs.step(`settings-${key.split('.').pop()}`, () => item.waitFor({ timeout: 15_000 }));
      assert.equal(
        await item.locator('.edit-in-settings-button').count(),
        0,
        `${key} is edited in the Settings editor`,
      );
    }
    // The LLM's embedding model fed nothing and is gone: searching for it finds at most its neighbours.
    await search('daglens.llm.embeddingModel');
    await vs.step('settings-embedding-model', () =>
      vs.page.locator('.settings-editor .settings-count-widget').first().waitFor({ timeout: 10_000 }),
    );
    const found = await vs.page.locator('.settings-editor .setting-item-title').allTextContents();
    assert.ok(!found.some((t) => /Embedding Model/.test(t)), JSON.stringify(found));
    await search('daglens.llm.cacheTtlHours');
    const ttl = vs.page.locator('.settings-editor .setting-item-contents', { hasText: 'Cache Ttl Hours' }).first();
    await ttl.waitFor({ timeout: 15_000 });
    assert.doesNotMatch(await ttl.innerText(), /\.daglens-cache/);
  });

  after(() => {
    // The README shows some of these: DAGLENS_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots from this run.
    const shots = path.join(RESULTS, 'polish');
    if (!process.env.DAGLENS_UPDATE_SCREENSHOTS || !existsSync(shots)) return;
    const keep = ['lineage-models', 'airflow-graph', 'chat-offline-lineage'];
    const dest = path.join(REPO, 'docs', 'screenshots');
    mkdirSync(dest, { recursive: true });
    for (const f of readdirSync(shots)) {
      const step = f.replace(/^\d+-/, '').replace(/\.png$/, '');
      if (keep.includes(step)) copyFileSync(path.join(shots, f), path.join(dest, `${step}.png`));
    }
  });
});
