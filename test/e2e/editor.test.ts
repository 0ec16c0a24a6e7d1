// The editor experience in a real VS Code (code-server + Chromium, the packaged .vsix): the chat sidebar
// answering from a fake OpenAI-compatible server with streamed text and citations that open files, and the
// graph view drawing a mapped Spark plan. Screenshots of every step land in test-results/editor/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { FIXTURES, REPO } from '../helpers';
import { FakeOpenAI } from '../fake-openai/server';
import { e2eSkipReason, RESULTS, VsCodeSession } from './harness';

const WORKSPACE = path.join(FIXTURES, 'editor');
const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

/** The webview frame (chat or graph) that holds `selector`. */
async function webview(vs: VsCodeSession, selector: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of vs.page.frames()) {
      if (await f.locator(selector).count().catch(() => 0)) return f;
    }
    await vs.page.waitForTimeout(200);
  }
  throw new Error(`no webview shows ${selector} within ${timeoutMs} ms`);
}

/** The tab that is active in the editor area, by its label. */
async function activeTab(vs: VsCodeSession): Promise<string> {
  return (await vs.page.locator('.tabs-container .tab.active').first().getAttribute('aria-label')) ?? '';
}

/** 1-based line of the cursor in the active editor, from the status bar ("Ln 12, Col 3"). */
async function cursorLine(vs: VsCodeSession): Promise<number> {
  const text = await vs.page.locator('.statusbar-item[id="status.editor.selection"]').first().innerText();
  return Number(/Ln (\d+)/.exec(text)?.[1] ?? NaN);
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
      settings: { 'daglens.llm.baseUrl': fake.url, 'daglens.llm.model': 'fake-chat', 'daglens.llm.contextWindow': 16_000 },
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

  test('chat: a streamed answer with citations that open the cited file', async () => {
    const answer = 'Query 3 sums `ss_ext_sales_price` from **store_sales** joined with `date_dim` and `item` [1].\n\n```sql\nselect dt.d_year, sum(ss_ext_sales_price)\n```';
    fake.reply({ type: 'answer', content: answer, chunks: 8 });
    await vs.step('chat-open', () => vs.page.locator('.activitybar .action-item a[aria-label^="DagLens"]').first().click());
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
      await vs.page.waitForFunction((name) => document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.startsWith(name), cited[1], { timeout: 15_000 });
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
  });

  test('graph: a mapped Spark plan is drawn, coloured by mapping status, and a node opens its code', async () => {
    await vs.step('plan-open', () => vs.openFile('tpcds/query03.explain.txt'));
    await vs.step('graph-command', () => vs.runCommand('DagLens: Show DAG Graph'));
    const graph = await webview(vs, '.dl-stage');
    await vs.step('graph-drawn', () => graph.locator('body[data-rendered]').waitFor({ timeout: 90_000 }));
    const drawn = Number(await graph.locator('body').getAttribute('data-rendered'));
    assert.ok(drawn >= 10, `${drawn} nodes drawn`);
    assert.equal(await graph.locator('.dl-node').count(), drawn);
    assert.match(await graph.locator('.dl-graph-status').innerText(), new RegExp(`^${drawn} nodes, \\d+ edges`));
    const mapped = graph.locator('.dl-node.status-high');
    assert.ok(await mapped.count(), 'some operators are mapped with high confidence');
    await vs.step('graph-open-node', async () => {
      await mapped.first().click();
      await vs.page.waitForFunction(() => document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.startsWith('query03.sql'), undefined, { timeout: 15_000 });
    });
  });

  after(() => {
    // The README shows these: keep the latest run's pictures of each step in docs/screenshots.
    const shots = path.join(RESULTS, 'editor');
    const keep = ['chat-answer', 'graph-drawn', 'lens', 'hover', 'plan-lenses'];
    const dest = path.join(REPO, 'docs', 'screenshots');
    mkdirSync(dest, { recursive: true });
    for (const f of readdirSync(shots)) {
      const step = f.replace(/^\d+-/, '').replace(/\.png$/, '');
      if (keep.includes(step)) cpSync(path.join(shots, f), path.join(dest, `${step}.png`));
    }
  });
});
