// DagLens for agents in a real VS Code (code-server 4.100.3 = VS Code 1.100.3 + Chromium, the packaged .vsix):
// a small test extension (fixtures/agents-extension, loaded under development) registers a fake chat model and
// calls DagLens's language-model tools through `vscode.lm.invokeTool` — the one that would send code to a model
// asks first, and the test answers VS Code's confirmation dialog — then the DagLens chat answers a question
// through the `vscode-lm` provider (the fake model), and the status bar says so. Screenshots: test-results/agents/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireCorpora } from '../helpers';
import { e2eSkipReason, remoteUri, VsCodeSession } from './harness';
import { webview } from './editorHelpers';

const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

const EXTENSION = path.join(__dirname, 'fixtures', 'agents-extension');

/** A dbt project, a TPC-DS query with its plan, and a Spark job with its event log, from the corpora. */
function agentsWorkspace(): string {
  const corpora = requireCorpora();
  const ws = path.join(mkdtempSync(path.join(os.tmpdir(), 'daglens-agents-ws-')), 'shop');
  cpSync(path.join(corpora, 'dbt', 'jaffle-shop'), ws, { recursive: true });
  cpSync(path.join(corpora, 'spark-tpcds', 'spark3', 'queries', 'query42.sql'), path.join(ws, 'tpcds', 'query42.sql'));
  cpSync(
    path.join(corpora, 'spark-tpcds', 'spark3', 'plans', 'query42.explain.txt'),
    path.join(ws, 'plans', 'query42.explain.txt'),
  );
  cpSync(path.join(corpora, 'spark-eventlogs', 'code', 'e2e'), path.join(ws, 'spark'), { recursive: true });
  mkdirSync(path.join(ws, 'logs'));
  cpSync(path.join(corpora, 'spark-eventlogs', 'logs', 'e2e_local_stale.zstd'), path.join(ws, 'logs', 'app.zstd'));
  return ws;
}

function lines<T = Record<string, unknown>>(file: string): T[] {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T)
    : [];
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ToolRecord {
  name?: string;
  input?: unknown;
  ok?: boolean;
  text?: string;
  error?: string;
  done?: boolean;
  listed?: Array<{ name: string; properties: string[] }>;
}

describe('DagLens for agents in a real VS Code', { skip }, () => {
  let vs: VsCodeSession;
  let results: string;
  const file = (name: string) => path.join(results, name);

  before(async () => {
    results = mkdtempSync(path.join(os.tmpdir(), 'daglens-agents-results-'));
    // code-server and its extension host inherit the environment: the test extension writes here.
    process.env.DAGLENS_E2E_RESULTS = results;
    vs = await VsCodeSession.start({
      name: 'agents',
      workspace: agentsWorkspace(),
      payload: [['extensionDevelopmentPath', remoteUri(EXTENSION)]],
      settings: { 'editor.stickyScroll.enabled': false },
    });
  });
  after(async () => {
    await vs?.close();
    delete process.env.DAGLENS_E2E_RESULTS;
    if (results) rmSync(results, { recursive: true, force: true });
  });

  test('the fake model is registered and DagLens says it answers (status bar)', async () => {
    const events = await until('the test extension to register its model', () => {
      const e = lines<{ event: string; error?: string }>(file('events.jsonl'));
      return e.some((x) => x.event === 'provider-registered' || x.event === 'provider-failed') && e;
    });
    assert.ok(
      events.some((x) => x.event === 'provider-registered'),
      JSON.stringify(events),
    );
    const s = await vs.step('status-ai', () =>
      vs.waitForStatus((st) => st.icons.includes('type-hierarchy') && st.icons.includes('sparkle'), 120_000),
    );
    assert.ok(s.icons.includes('sparkle'), 'the status item shows that a model answers');
    await vs.statusItem().first().hover();
    const hover = vs.page.locator('.monaco-hover:not(.hidden), .workbench-hover').filter({ hasText: 'AI:' }).first();
    await vs.step('status-ai-tooltip', () => hover.waitFor({ timeout: 15_000 }));
    assert.match(await hover.innerText(), /AI: VS Code: Fake Model \(daglens-fake\)/);
    await vs.page.mouse.move(700, 400);
  });

  test('vscode.lm.invokeTool runs every DagLens tool; the one that sends code asks first', async () => {
    await vs.runCommand('DagLens E2E: Run Tools');
    // explain_symbol would send code to the model: VS Code shows DagLens's confirmation, which the user accepts.
    const dialog = vs.page.locator('.monaco-dialog-box').filter({ hasText: 'Send code to a language model?' });
    await vs.step('tool-confirmation', () => dialog.waitFor({ timeout: 120_000 }));
    assert.match(
      await dialog.innerText(),
      /customers\.\w+.*models\/marts\/customers\.sql:\d+-\d+.*VS Code: Fake Model/s,
    );
    await dialog
      .locator('.monaco-button', { hasText: /^(Yes|OK|Continue|Allow)$/ })
      .first()
      .click();
    const records = await until(
      'the tool calls to finish',
      () => {
        const r = lines<ToolRecord>(file('tools.jsonl'));
        return r.some((x) => x.done) && r;
      },
      120_000,
    );
    const listed = records.find((r) => r.listed)!.listed!;
    assert.deepEqual(listed.map((t) => t.name).sort(), [
      'daglens_explain_symbol',
      'daglens_impact',
      'daglens_lineage',
      'daglens_list_runs',
      'daglens_map_plan',
      'daglens_map_run',
      'daglens_search_code',
    ]);
    assert.deepEqual(listed.find((t) => t.name === 'daglens_impact')!.properties, [
      'name',
      'direction',
      'offset',
      'limit',
    ]);
    const result = (name: string, i = 0) => records.filter((r) => r.name === name)[i];
    const json = (r: ToolRecord) => JSON.parse(r.text!.slice(r.text!.indexOf('JSON:\n') + 6));
    for (const r of records.filter((x) => x.name))
      if (!/outside|"name":42/.test(JSON.stringify(r.input))) assert.ok(r.ok, `${r.name}: ${r.error}`);

    const plan = json(result('daglens_map_plan'));
    assert.equal(plan.sources[0].file, 'tpcds/query42.sql');
    assert.ok(
      plan.nodes.some(
        (n: { operator: string; best: { file: string } | null }) =>
          /Scan/.test(n.operator) && n.best?.file === 'tpcds/query42.sql',
      ),
    );
    const lineage = json(result('daglens_lineage'));
    assert.deepEqual(
      lineage.writers.map((w: { file: string }) => w.file),
      ['models/staging/stg_orders.sql'],
    );
    assert.match(result('daglens_lineage').text!, /^asset stg_orders: written by 1, read by 2/);
    const impact = json(result('daglens_impact'));
    assert.deepEqual(
      impact.hits.map((h: { name: string }) => h.name),
      ['order_items', 'orders', 'customers'],
    );
    assert.ok(json(result('daglens_search_code')).hits.length > 0);
    assert.deepEqual(
      json(result('daglens_list_runs')).runs.map((r: { path: string }) => r.path),
      ['logs/app.zstd'],
    );
    const run = json(result('daglens_map_run'));
    assert.equal(run.page.total, 10);
    assert.ok(
      run.executions.every(
        (e: { location: { file: string } | null }) => e.location?.file === 'spark/generate_events.py',
      ),
    );
    const explained = json(result('daglens_explain_symbol'));
    assert.match(explained.summary.text, /^FAKE SUMMARY:/, 'the summary came from the editor model');
    assert.equal(explained.summary.model, 'fake-chat');
    const outside = result('daglens_map_plan', 1);
    assert.equal(outside.ok, false);
    assert.match(outside.error!, /outside the workspace/);
    assert.equal(result('daglens_lineage', 1).ok, false, 'a bad argument is an error the caller sees');
    assert.match(result('daglens_lineage', 1).error!, /name: Expected string, received number/);
    // The model was asked for the explanation by DagLens, and DagLens only.
    const asked = lines<{ extensionId: string; prompt: string }>(file('lm-requests.jsonl'));
    assert.ok(
      asked.some(
        (r) =>
          r.extensionId === 'daglens.daglens' && /one plain paragraph/.test(r.prompt) && /customers/.test(r.prompt),
      ),
      JSON.stringify(asked.map((r) => r.extensionId)),
    );
  });

  test("the DagLens chat answers through the editor's model (vscode-lm), with a citation", async () => {
    await vs.step('chat-open', () =>
      vs.page.locator('.activitybar .action-item a[aria-label^="DagLens"]').first().click(),
    );
    const chat = await webview(vs, '.dl-composer');
    await vs.step('chat-ask', async () => {
      await chat.locator('.dl-input').fill('What builds the customers model?');
      await chat.locator('.dl-input').press('Enter');
    });
    const turn = chat.locator('.dl-turn.dl-assistant.dl-done').last();
    await vs.step('chat-answer', () => turn.waitFor({ timeout: 60_000 }));
    assert.match(
      await turn.locator('.dl-answer').innerText(),
      /FAKE ANSWER: customers is built from stg_customers and orders/,
    );
    assert.ok((await turn.locator('.dl-citation').count()) >= 1, 'the [1] citation is a chip');
    const asked = lines<{ extensionId: string; prompt: string }>(file('lm-requests.jsonl')).filter((r) =>
      /What builds the customers model\?/.test(r.prompt),
    );
    assert.equal(asked.length, 1);
    assert.equal(asked[0].extensionId, 'daglens.daglens');
    assert.match(
      asked[0].prompt,
      /^Instructions:\nYou are DagLens[\s\S]*Evidence:/,
      'the numbered evidence went with the question',
    );
  });
});
