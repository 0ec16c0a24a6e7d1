/**
 * Runs inside a desktop VS Code's extension host (test/electron/runTests.mjs): the extension activates on a
 * Python file, registers its commands, and VS Code's own document-symbol API returns our server's symbols.
 * A tiny sequential runner: no test framework is needed for a handful of checks.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'daglens.daglens';

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const tests: Array<[string, () => Promise<void>]> = [];
const test = (name: string, fn: () => Promise<void>) => tests.push([name, fn]);

function workspace(): string {
  const ws = process.env.DAGLENS_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!ws) throw new Error('no workspace folder is open');
  return ws;
}

test('the extension activates on a Python file and registers its commands', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  const doc = await vscode.workspace.openTextDocument(path.join(workspace(), 'jobs/sales_job.py'));
  await vscode.window.showTextDocument(doc);
  await until('activation', () => (ext.isActive ? true : undefined));
  const commands = await vscode.commands.getCommands(true);
  for (const c of ['daglens.restartServer', 'daglens.showLogs']) assert.ok(commands.includes(c), `${c} is registered`);
});

test('document symbols come from the DagLens server (class → method → nested function)', async () => {
  const uri = vscode.Uri.file(path.join(workspace(), 'jobs/sales_job.py'));
  const symbols = await until('document symbols', async () => {
    const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
      'vscode.executeDocumentSymbolProvider',
      uri,
    );
    return s && s.length ? s : undefined;
  });
  assert.deepEqual(
    symbols.map((s) => s.name),
    ['SalesJob', 'main'],
  );
  const run = symbols[0].children.find((c) => c.name === 'run');
  assert.ok(run, 'SalesJob.run');
  assert.deepEqual(
    run.children.map((c) => c.name),
    ['with_revenue'],
  );
  assert.equal(run.selectionRange.start.line, 8);
});

test('SQL with Jinja: the dbt model and its CTEs', async () => {
  const uri = vscode.Uri.file(path.join(workspace(), 'models/store_revenue.sql'));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const symbols = await until('SQL symbols', async () => {
    const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
      'vscode.executeDocumentSymbolProvider',
      uri,
    );
    return s && s.length ? s : undefined;
  });
  assert.equal(symbols[0].name, 'store_revenue');
  assert.deepEqual(symbols[0].children.map((c) => c.name).slice(0, 2), ['orders', 'stores']);
});

/** Entry point called by VS Code's test runner; rejects when any test failed. */
export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`  ✔ ${name}`);
    } catch (e) {
      failures.push(name);
      console.error(`  ✖ ${name}\n${e instanceof Error ? e.stack : e}`);
    }
  }
  console.log(`DagLens suite: ${tests.length - failures.length} of ${tests.length} passed`);
  if (failures.length)
    throw new Error(`${failures.length} of ${tests.length} electron tests failed: ${failures.join('; ')}`);
}
