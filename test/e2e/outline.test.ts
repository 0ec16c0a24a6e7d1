// The packaged extension in a real VS Code (code-server + Chromium): opening a Python file fills the
// Outline with exactly the symbols our language server produces, edits re-parse, and the status item
// reaches its ready state.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DocumentSymbolRequest, type DocumentSymbol } from 'vscode-languageserver-protocol/node';
import { FIXTURES } from '../helpers';
import { ready, startLsp, uri } from '../lsp-client';
import { e2eSkipReason, VsCodeSession } from './harness';

const FILE = 'jobs/sales_job.py';
const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

/** The Outline's rows as "  name (kind)" lines: depth by indentation, as VS Code labels them. */
type Row = { label: string; level: number };
const show = (rows: Row[]) => rows.map((r) => `${'  '.repeat(r.level - 1)}${r.label}`);

/** What our server answers for the file, flattened the way the Outline renders it (names and depth). */
async function serverOutline(workspace: string): Promise<Array<{ name: string; level: number }>> {
  const lsp = await startLsp(workspace);
  try {
    await ready(lsp);
    const syms = (await lsp.conn.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri: uri(path.join(workspace, FILE)) },
    })) as DocumentSymbol[];
    const out: Array<{ name: string; level: number }> = [];
    const walk = (list: DocumentSymbol[], level: number) => {
      for (const s of list) {
        out.push({ name: s.name, level });
        walk(s.children ?? [], level + 1);
      }
    };
    walk(syms, 1);
    return out;
  } finally {
    await lsp.close();
  }
}

describe('Outline in a real VS Code', { skip }, () => {
  let vs: VsCodeSession;
  let expected: Array<{ name: string; level: number }>;

  before(async () => {
    expected = await serverOutline(path.join(FIXTURES, 'workspace'));
    vs = await VsCodeSession.start({ name: 'outline', workspace: path.join(FIXTURES, 'workspace') });
  });
  after(async () => {
    await vs?.close();
  });

  const outlineTree = () => vs.page.locator('.outline-pane .outline-tree');
  async function outlineUntil(pred: (rows: Row[]) => boolean, timeoutMs = 30_000): Promise<Row[]> {
    const deadline = Date.now() + timeoutMs;
    let rows: Row[] = [];
    while (Date.now() < deadline) {
      rows = await vs.treeRows(outlineTree());
      if (pred(rows)) return rows;
      await vs.page.waitForTimeout(100);
    }
    throw new Error(
      `the Outline did not show what was expected within ${timeoutMs} ms; it shows:\n${show(rows).join('\n')}`,
    );
  }

  test('the status bar item reaches its ready state', async () => {
    // Ready = the healthy, idle icon (busy shows sync~spin, problems warning/error) after the initial scan.
    const s = await vs.step('status-ready', () => vs.waitForStatus((st) => st.icons.includes('type-hierarchy')));
    assert.match(s.text, /DagLens/);
    assert.ok(!s.icons.includes('sync~spin'));
    assert.match(s.label, /DagLens: \S/, 'the tooltip carries the server message');
  });

  test('the Outline lists the symbols the server produced for a Python file', async () => {
    // Guard against agreeing on nothing: the server's own answer has the known shape.
    assert.deepEqual(
      expected.map((e) => e.name),
      ['SalesJob', '__init__', 'run', 'with_revenue', 'main'],
    );
    await vs.step('open-file', () => vs.openFile(FILE));
    const opened = Date.now();
    await vs.step('outline-view', () => vs.runCommand('Explorer: Focus on Outline View'));
    const rows = await vs.step('outline-symbols', () => outlineUntil((r) => r.length === expected.length));
    const shown = Date.now();
    assert.deepEqual(
      rows.map((r) => ({ name: r.label.replace(/ \([^)]*\)$/, ''), level: r.level })),
      expected,
    );
    // Kinds come through too: a class, methods, a nested function, a top-level function.
    assert.deepEqual(
      rows.map((r) => /\(([^)]*)\)$/.exec(r.label)?.[1]),
      ['class', 'method', 'method', 'function', 'function'],
    );
    console.log(
      `# e2e: page load → Outline shows the server's symbols: ${shown - vs.loadStartedAt} ms (file opened → symbols: ${shown - opened} ms)`,
    );
  });

  test('typing in the editor re-parses: a new function appears, a broken line keeps the rest', async () => {
    await vs.step('edit-file', async () => {
      await vs.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await vs.page.keyboard.press('Control+End');
      await vs.page.keyboard.insertText('\n\n\ndef backfill(days):\n    return [main(\n');
    });
    const rows = await vs.step('outline-after-edit', () =>
      outlineUntil((r) => r.some((x) => x.label.startsWith('backfill '))),
    );
    assert.deepEqual(
      rows.filter((r) => r.level === 1).map((r) => r.label),
      ['SalesJob (class)', 'main (function)', 'backfill (function)'],
    );
  });

  test('Go to Symbol in Editor lists the same symbols', async () => {
    await vs.step('go-to-symbol', () => vs.runCommand('Go to Symbol in Editor'));
    const picks = vs.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await picks.first().waitFor({ timeout: 10_000 });
    const labels = await picks.evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
    await vs.page.keyboard.press('Escape');
    for (const name of ['SalesJob', 'run', 'with_revenue', 'main', 'backfill']) {
      assert.ok(
        labels.some((l) => l.split(/[ ,]/)[0] === name),
        `${name} in ${JSON.stringify(labels)}`,
      );
    }
  });
});
