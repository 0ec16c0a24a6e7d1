// The editor experience in a real VS Code (code-server + Chromium, the packaged .vsix): the chat sidebar
// answering from a fake OpenAI-compatible server with streamed text and citations that open files, and the
// graph view drawing a mapped Spark plan. Screenshots of every step land in test-results/editor/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CodeLensRequest, CodeLensResolveRequest, type CodeLens } from 'vscode-languageserver-protocol/node';
import { REPO } from '../helpers';
import { assembleEditorWorkspace } from '../editorWorkspace';
import { ready, startLsp, uri } from '../lsp-client';
import { FakeOpenAI } from '../fake-openai/server';
import { e2eSkipReason, RESULTS, VsCodeSession } from './harness';
import { activeTab, hoverWord, lensesUntil, webview } from './editorHelpers';

// Real code from ../shared/corpora, assembled into a temp folder (the harness copies it again per session).
const WORKSPACE = assembleEditorWorkspace();
const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

/** 1-based line of the cursor in the active editor, from the status bar ("Ln 12, Col 3"). */
async function cursorLine(vs: VsCodeSession): Promise<number> {
  const text = await vs.page.locator('.statusbar-item[id="status.editor.selection"]').first().innerText();
  return Number(/Ln (\d+)/.exec(text)?.[1] ?? NaN);
}

/** The lens titles our server gives a file (resolved), straight over LSP: what the editor must show. */
async function serverLensTitles(rel: string): Promise<string[]> {
  const lsp = await startLsp(WORKSPACE);
  try {
    await ready(lsp);
    const lenses = (await lsp.conn.sendRequest(CodeLensRequest.type, {
      textDocument: { uri: uri(path.join(WORKSPACE, rel)) },
    })) as CodeLens[];
    const resolved = await Promise.all(
      lenses.map((l) => (l.command ? l : (lsp.conn.sendRequest(CodeLensResolveRequest.type, l) as Promise<CodeLens>))),
    );
    return resolved.map((l) => l.command?.title ?? '');
  } finally {
    await lsp.close();
  }
}

describe('the editor experience in a real VS Code', { skip }, () => {
  let vs: VsCodeSession;
  let fake: FakeOpenAI;

  before(async () => {
    fake = await FakeOpenAI.start({ apiKey: 'sk-e2e', models: ['fake-chat'] });
    // The language server inherits code-server's environment: the key never touches a settings file.
    process.env.OPENAI_API_KEY = 'sk-e2e';
    vs = await VsCodeSession.start({
      name: 'editor',
      workspace: WORKSPACE,
      // Sticky scroll would cover the lens at the top of a scrolled editor.
      settings: {
        'daglens.llm.baseUrl': fake.url,
        'daglens.llm.model': 'fake-chat',
        'daglens.llm.contextWindow': 16_000,
        'editor.stickyScroll.enabled': false,
      },
    });
  });
  after(async () => {
    await vs?.close();
    await fake?.close();
    delete process.env.OPENAI_API_KEY;
  });

  test('the server gets ready', async () => {
    await vs.step('status-ready', () => vs.waitForStatus((s) => s.icons.includes('type-hierarchy'), 120_000));
  });

  test('a lineage code lens on a dbt model shows what the server computed', async () => {
    const rel = 'jaffle_shop/models/marts/customers.sql';
    const expected = await serverLensTitles(rel);
    assert.ok(
      expected.some((t) => /^reads 2 · writes 1 · \d+ downstream/.test(t)),
      `the server's lenses: ${JSON.stringify(expected)}`,
    );
    await vs.step('lens-open', () => vs.openFile(rel));
    const shown = await vs.step('lens', () => lensesUntil(vs, (t) => t.some((x) => x.startsWith('reads '))));
    console.log(
      `# e2e: time to first code lens: ${Date.now() - vs.loadStartedAt} ms after the workbench URL was opened`,
    );
    assert.deepEqual(
      shown.filter((t) => t.startsWith('reads ')),
      expected.filter((t) => t.startsWith('reads ')),
    );
  });

  test('turning lineage lenses off in the settings removes them at once; on brings them back', async () => {
    const settings = path.join(vs.workspace, '.vscode', 'settings.json');
    mkdirSync(path.dirname(settings), { recursive: true });
    writeFileSync(settings, JSON.stringify({ 'daglens.codeLens.lineage': false }));
    await vs.step('lens-off', () => lensesUntil(vs, (t) => !t.some((x) => x.startsWith('reads ')), 20_000));
    writeFileSync(settings, JSON.stringify({ 'daglens.codeLens.lineage': true }));
    await vs.step('lens-on', () => lensesUntil(vs, (t) => t.some((x) => x.startsWith('reads ')), 20_000));
  });

  test('clicking a lineage lens lists what the model reads and writes, with a way to the graph', async () => {
    await vs.step('lens-list', async () => {
      await vs.page
        .locator('.codelens-decoration a', { hasText: /^reads 2 · writes 1/ })
        .first()
        .click();
      await vs.page.locator('.quick-input-widget .monaco-list-row').first().waitFor({ timeout: 10_000 });
    });
    const rows = await vs.page
      .locator('.quick-input-widget .monaco-list-row')
      .evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label') ?? ''));
    await vs.page.keyboard.press('Escape');
    assert.match(rows[0] ?? '', /Show as graph/);
    for (const name of ['stg_customers', 'orders', 'customers'])
      assert.ok(
        rows.some((r) => r.startsWith(name)),
        `${name} in ${JSON.stringify(rows)}`,
      );
  });

  test('hovering a table name shows who produces and consumes it, with Show lineage · Impact · Ask links', async () => {
    await vs.step('hover-open', () => vs.openFile('tpcds/query03.sql'));
    // The lineage lens above the statement moves the text down when it arrives: hover after it.
    await lensesUntil(vs, (t) => t.some((x) => x.startsWith('reads 3 ')));
    const hover = vs.page
      .locator('.monaco-hover-content', { has: vs.page.locator('a', { hasText: 'Show lineage' }) })
      .first();
    await vs.step('hover', async () => {
      await hoverWord(vs, 'store_sales');
      await hover.waitFor({ state: 'visible', timeout: 20_000 });
    });
    const text = await hover.innerText();
    assert.match(text, /table\s+store_sales/);
    assert.match(text, /Produced by \(0\)/);
    assert.match(text, /Consumed by \(1\)/);
    const links = await vs.page
      .locator('.monaco-hover-content a')
      .evaluateAll((as) => as.map((a) => (a.textContent ?? '').trim()));
    for (const l of ['Show lineage', 'Impact', 'Ask']) assert.ok(links.includes(l), `${l} in ${JSON.stringify(links)}`);
  });

  test("the hover's Show lineage link draws the table's lineage in the graph view", async () => {
    await vs.step('hover-show-lineage', () =>
      vs.page.locator('.monaco-hover-content a', { hasText: 'Show lineage' }).first().click(),
    );
    const graph = await webview(vs, '.dl-stage');
    await vs.step('lineage-graph', () => graph.locator('body[data-rendered]').waitFor({ timeout: 60_000 }));
    // store_sales comes from outside the workspace and only query 3 reads it: the table and that query.
    const nodes = await graph.locator('.dl-node').evaluateAll((gs) => gs.map((g) => g.getAttribute('aria-label')));
    assert.equal(nodes.length, 2, JSON.stringify(nodes));
    assert.equal(await graph.locator('.dl-node.dl-focus text:not(.dl-glyph)').first().textContent(), 'store_sales');
    assert.equal(await graph.locator('.dl-edges path').count(), 1);
    await vs.step('lineage-graph-open-process', async () => {
      await graph.locator('.dl-node:not(.dl-focus)').first().click();
      await vs.page.waitForFunction(
        () =>
          document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.startsWith('query03.sql'),
        undefined,
        { timeout: 15_000 },
      );
    });
    assert.equal(await cursorLine(vs), 2, 'the statement starts on line 2, after the comment');
  });

  test('chat: a streamed answer with citations that open the cited file', async () => {
    const answer =
      'Query 3 sums `ss_ext_sales_price` from **store_sales** joined with `date_dim` and `item` [1].\n\n```sql\nselect dt.d_year, sum(ss_ext_sales_price)\n```';
    fake.reply({ type: 'answer', content: answer, chunks: 8 });
    await vs.step('chat-open', () =>
      vs.page.locator('.activitybar .action-item a[aria-label^="DagLens"]').first().click(),
    );
    const chat = await webview(vs, '.dl-composer');
    await vs.step('chat-ask', async () => {
      await chat.locator('.dl-input').fill('Which tables does query 3 read?');
      await chat.locator('.dl-input').press('Enter');
    });
    const turn = chat.locator('.dl-turn.dl-assistant.dl-done').last();
    await vs.step('chat-answer', () => turn.waitFor({ timeout: 60_000 }));
    const shown = await turn.locator('.dl-answer').innerText();
    assert.match(shown, /Query 3 sums ss_ext_sales_price from store_sales joined with date_dim and item/);
    assert.equal(await turn.locator('.dl-answer strong').innerText(), 'store_sales');
    assert.ok(await turn.locator('pre.hljs.language-sql .hljs-keyword').count(), 'the SQL block is highlighted');
    const sent = fake.requests.find((r) => r.path.endsWith('/chat/completions'));
    assert.equal(sent?.body.stream, true, 'the answer was streamed');
    assert.match(JSON.stringify(sent?.body.messages), /Which tables does query 3 read\?/);

    const chip = turn.locator('.dl-citation').first();
    await chip.waitFor({ timeout: 10_000 });
    const label = await chip.innerText();
    const cited = /\[1\] (?:.* · )?([^:]+):(\d+)/.exec(label);
    assert.ok(cited, `citation chip text: ${label}`);
    await vs.step('chat-citation-open', async () => {
      await chip.click();
      await vs.page.waitForFunction(
        (name) => document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.startsWith(name),
        cited[1],
        { timeout: 15_000 },
      );
    });
    assert.ok((await activeTab(vs)).startsWith(cited[1]!));
    assert.equal(await cursorLine(vs), Number(cited[2]));
  });

  test('chat: Stop cancels an answer that hangs, and the chat keeps working', async () => {
    fake.reply({ type: 'hang' });
    const chat = await webview(vs, '.dl-composer');
    await chat.locator('.dl-input').fill('What writes customers?');
    await chat.locator('.dl-input').press('Enter');
    await chat.locator('.dl-turn.dl-assistant.dl-streaming').waitFor({ timeout: 20_000 });
    await vs.step('chat-stop', async () => {
      await chat.locator('.dl-stop').click();
      await chat.locator('.dl-turn.dl-assistant.dl-stopped').last().waitFor({ timeout: 10_000 });
    });
    assert.equal(await chat.locator('.dl-stop').isVisible(), false);
    assert.equal(await chat.locator('.dl-input').isEnabled(), true);
    // Stop reached the model's HTTP request: the server saw it abandoned, none is left open.
    for (let i = 0; i < 100 && (fake.inFlight > 0 || fake.abandoned === 0); i++) await vs.page.waitForTimeout(100);
    assert.equal(fake.inFlight, 0, 'no request left open');
    assert.ok(fake.abandoned >= 1, 'the hanging request was cancelled by the client');

    // New Chat in the middle of an answer cancels it too, and leaves an empty transcript.
    fake.reply({ type: 'hang' });
    const before = fake.abandoned;
    await chat.locator('.dl-input').fill('And what reads it?');
    await chat.locator('.dl-input').press('Enter');
    await chat.locator('.dl-turn.dl-assistant.dl-streaming').waitFor({ timeout: 20_000 });
    await vs.step('chat-new-mid-stream', async () => {
      await vs.runCommand('DagLens: New Chat');
      await chat.locator('.dl-empty').waitFor({ timeout: 10_000 });
    });
    for (let i = 0; i < 100 && (fake.inFlight > 0 || fake.abandoned === before); i++) await vs.page.waitForTimeout(100);
    assert.equal(fake.inFlight, 0, 'no request left open');
    assert.equal(await chat.locator('.dl-turn').count(), 0);
  });

  test('Map DAG to Code… puts a lens on each plan operator; clicking one opens the mapped line', async () => {
    await vs.runCommand('View: Show Explorer');
    await vs.step('map-open-plan', () => vs.openFile('tpcds/query03.explain.txt'));
    await vs.step('map-command', () => vs.runCommand('DagLens: Map DAG to Code…'));
    const lens = /^→ query03\.sql:(\d+) · (\d\.\d\d|derived)$/;
    const shown = await vs.step('plan-lenses', () => lensesUntil(vs, (t) => t.filter((x) => lens.test(x)).length >= 5));
    assert.ok(
      shown.some((t) => lens.test(t) && !t.endsWith('derived')),
      JSON.stringify(shown),
    );
    // The physical plan sits below the logical ones: scroll the editor until a mapped operator's lens is in view.
    const visible = vs.page.locator('.editor-instance .codelens-decoration a:visible', {
      hasText: /^→ query03\.sql:\d+ · \d\.\d\d$/,
    });
    const physical = readFileSync(path.join(WORKSPACE, 'tpcds/query03.explain.txt'), 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('== Physical Plan =='));
    await vs.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await vs.page.keyboard.press('Control+G');
    await vs.page.locator('.quick-input-widget input').waitFor({ timeout: 10_000 });
    await vs.page.keyboard.type(String(physical + 20));
    await vs.page.keyboard.press('Enter');
    await visible.first().waitFor({ timeout: 20_000 });
    const target = (await visible.first().innerText()).trim();
    const line = Number(lens.exec(target)![1]);
    // The mouse left over the text may have opened a hover that would take the click.
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
    await vs.step('plan-lens-click', async () => {
      await visible.first().click();
      await vs.page.waitForFunction(
        () =>
          document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.startsWith('query03.sql'),
        undefined,
        { timeout: 15_000 },
      );
      // The jump lands once the file's own lenses are drawn (so the line does not move after it).
      await vs.page.waitForFunction(
        (n) =>
          new RegExp(`Ln ${n},`).test(
            document.querySelector('.statusbar-item[id="status.editor.selection"]')?.textContent ?? '',
          ),
        line,
        { timeout: 15_000 },
      );
    });
    assert.equal(await cursorLine(vs), line, `${target} opens line ${line}`);
  });

  test('graph: a mapped Spark plan is drawn, coloured by mapping status, and a node opens its code', async () => {
    await vs.runCommand('View: Show Explorer');
    await vs.step('plan-open', () => vs.openFile('tpcds/query03.explain.txt'));
    await vs.step('graph-command', () => vs.runCommand('DagLens: Show DAG Graph'));
    const graph = await webview(vs, '.dl-stage');
    await vs.step('graph-drawn', () =>
      graph.waitForFunction(
        () =>
          /^DAG query03/.test(document.querySelector('.dl-title')?.textContent ?? '') && document.body.dataset.rendered,
        undefined,
        { timeout: 90_000 },
      ),
    );
    const drawn = Number(await graph.locator('body').getAttribute('data-rendered'));
    assert.ok(drawn >= 10, `${drawn} nodes drawn`);
    assert.equal(await graph.locator('.dl-node').count(), drawn);
    assert.match(await graph.locator('.dl-graph-status').innerText(), new RegExp(`^${drawn} nodes, \\d+ edges`));
    const mapped = graph.locator('.dl-node.status-high');
    assert.ok(await mapped.count(), 'some operators are mapped with high confidence');
    // `A` on a node asks the chat about it: it arrives as a DAG-node chip. (The key event is dispatched on
    // the node: Playwright's keyboard did not reach an SVG element focused inside the nested webview frame.)
    const operator = await mapped.first().locator('text:not(.dl-glyph)').textContent();
    await vs.step('graph-ask-node', async () => {
      await mapped.first().dispatchEvent('keydown', { key: 'a', bubbles: true });
      const chat = await webview(vs, '.dl-composer', 15_000);
      await chat.locator('.dl-chip', { hasText: operator! }).waitFor({ timeout: 20_000 });
      await chat.locator('.dl-chip-remove').first().click();
    });
    await vs.step('graph-open-node', async () => {
      await mapped.first().click();
      await vs.page.waitForFunction(
        () =>
          document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.startsWith('query03.sql'),
        undefined,
        { timeout: 15_000 },
      );
    });
  });

  test('graph: following the editor redraws the lineage of the file opened; Show Impact draws what a change reaches', async () => {
    const graph = await webview(vs, '.dl-stage');
    await graph.locator('button[aria-label="Follow the active editor"]').click();
    await graph
      .locator('button[aria-pressed="true"][aria-label="Follow the active editor"]')
      .waitFor({ timeout: 10_000 });
    // Open the file in the first group, beside the graph (not over it).
    await vs.runCommand('View: Focus First Editor Group');
    await vs.runCommand('View: Show Explorer');
    await vs.step('follow-open', () => vs.openFile('jaffle_shop/models/marts/customers.sql'));
    const title = graph.locator('.dl-title');
    await vs.step('follow-graph', () =>
      graph.waitForFunction(
        () =>
          /^Lineage of customers/.test(document.querySelector('.dl-title')?.textContent ?? '') &&
          document.querySelectorAll('.dl-node').length > 2,
        undefined,
        { timeout: 60_000 },
      ),
    );
    const labels = await graph
      .locator('.dl-node text:not(.dl-glyph)')
      .evaluateAll((ts) => ts.map((t) => t.textContent));
    for (const name of ['stg_customers', 'orders', 'customers'])
      assert.ok(labels.includes(name), `${name} in ${JSON.stringify(labels)}`);
    await graph.locator('button[aria-label="Follow the active editor"]').click();

    // A staging model: what reads it (orders) and what reads that (customers), each model one node.
    await vs.openFile('jaffle_shop/models/staging/stg_orders.sql');
    await vs.page.locator('.editor-instance .monaco-editor[data-uri$="stg_orders.sql"] .view-lines').first().click();
    await vs.step('impact-command', () => vs.runCommand('DagLens: Show Impact of Current Symbol'));
    await graph.waitForFunction(
      () =>
        /^Impact of changing /.test(document.querySelector('.dl-title')?.textContent ?? '') &&
        document.body.dataset.rendered,
      undefined,
      { timeout: 60_000 },
    );
    assert.match(await title.innerText(), /^Impact of changing stg_orders: 2 downstream/);
    const impacted = await graph
      .locator('.dl-node text:not(.dl-glyph)')
      .evaluateAll((ts) => ts.map((t) => t.textContent ?? ''));
    assert.deepEqual([...impacted].sort(), ['customers', 'orders', 'stg_orders']);
    await vs.screenshot('impact-graph');
    await vs.openFile('jaffle_shop/models/marts/customers.sql');
  });

  test('Ask DagLens about This adds the selection as a context chip in the chat', async () => {
    await vs.page.locator('.editor-instance .monaco-editor[data-uri$="customers.sql"] .view-lines').first().click();
    await vs.page.keyboard.press('Control+A');
    await vs.step('ask-about', () => vs.runCommand('DagLens: Ask DagLens about This'));
    const chat = await webview(vs, '.dl-composer');
    const chip = chat.locator('.dl-chip');
    await chip.first().waitFor({ timeout: 20_000 });
    assert.match(await chip.first().innerText(), /^customers\.sql:1-\d+/);
    await chat.locator('.dl-chip-remove').first().click();
    await chip.first().waitFor({ state: 'detached', timeout: 10_000 });
  });

  test('a citation to a file deleted since the answer says so instead of failing', async () => {
    fake.reply({ type: 'answer', content: 'The query lives in tpcds/query03.sql [1].' });
    // Clicking the container's icon while it is shown would close the sidebar.
    if (!(await vs.page.locator('.activitybar .action-item.checked a[aria-label^="DagLens"]').count())) {
      await vs.page.locator('.activitybar .action-item a[aria-label^="DagLens"]').first().click();
    }
    const chat = await webview(vs, '.dl-composer');
    await chat.locator('.dl-input').fill('Where is the store sales query?');
    await chat.locator('.dl-input').press('Enter');
    const turn = chat.locator('.dl-turn.dl-assistant.dl-done').last();
    await turn.locator('.dl-citation').first().waitFor({ timeout: 60_000 });
    const label = await turn.locator('.dl-citation').first().innerText();
    const file = /\] (?:.* · )?([^:]+):/.exec(label)![1]!;
    const found = readdirSync(vs.workspace, { recursive: true })
      .map(String)
      .find((f) => path.basename(f) === file)!;
    rmSync(path.join(vs.workspace, found));
    await vs.step('citation-deleted', async () => {
      await turn.locator('.dl-citation').first().click();
      await vs.page
        .locator('.notifications-toasts', { hasText: 'is not in the workspace any more' })
        .waitFor({ timeout: 15_000 });
    });
  });

  after(() => {
    // The README shows these: DAGLENS_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots from this run
    // (opt-in, so a test run leaves the work tree as it found it; every step's picture is in test-results/).
    const shots = path.join(RESULTS, 'editor');
    if (!process.env.DAGLENS_UPDATE_SCREENSHOTS || !existsSync(shots)) return;
    const keep = ['chat-answer', 'graph-drawn', 'lineage-graph', 'impact-graph', 'lens', 'hover', 'plan-lenses'];
    const dest = path.join(REPO, 'docs', 'screenshots');
    mkdirSync(dest, { recursive: true });
    for (const f of readdirSync(shots)) {
      const step = f.replace(/^\d+-/, '').replace(/\.png$/, '');
      if (keep.includes(step)) cpSync(path.join(shots, f), path.join(dest, `${step}.png`));
    }
  });
});

describe('the chat in an untrusted workspace', { skip }, () => {
  let vs: VsCodeSession;
  let fake: FakeOpenAI;

  before(async () => {
    fake = await FakeOpenAI.start({ apiKey: 'sk-e2e', models: ['fake-chat'] });
    process.env.OPENAI_API_KEY = 'sk-e2e';
    vs = await VsCodeSession.start({
      name: 'editor-untrusted',
      workspace: WORKSPACE,
      trustWorkspace: false,
      // No start-up trust prompt: the folder simply opens untrusted.
      settings: {
        'daglens.llm.baseUrl': fake.url,
        'daglens.llm.model': 'fake-chat',
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.untrustedFiles': 'open',
      },
    });
  });
  after(async () => {
    await vs?.close();
    await fake?.close();
    delete process.env.OPENAI_API_KEY;
  });

  test('says why nothing goes to the model, offers to manage trust, and answers from the index only', async () => {
    await vs.waitForStatus((s) => s.icons.includes('type-hierarchy'), 120_000);
    await vs.page.locator('.activitybar .action-item a[aria-label^="DagLens"]').first().click();
    const chat = await webview(vs, '.dl-composer');
    const banner = chat.locator('.dl-banner');
    await vs.step('untrusted-banner', () => banner.waitFor({ state: 'visible', timeout: 30_000 }));
    assert.match(await banner.innerText(), /not trusted/);
    assert.ok(await banner.locator('button', { hasText: 'Manage Workspace Trust' }).count());
    await chat.locator('.dl-input').fill('Which tables does query 3 read?');
    await chat.locator('.dl-input').press('Enter');
    await vs.step('untrusted-answer', () =>
      chat.locator('.dl-turn.dl-assistant.dl-done').last().waitFor({ timeout: 60_000 }),
    );
    assert.equal(fake.requests.length, 0, 'no request reached the model');
  });
});
