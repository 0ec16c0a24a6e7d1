/**
 * The language server's answers to the bad inputs of issue 14 (dist/server.js over real LSP): a DAG file that is
 * not a DAG is one error, not a count of zero and a page of log lines; documents over the size limit are not
 * parsed (their lens says so) and cost no gigabytes; a burst of edits ends in the right symbols; wrong
 * parameters are InvalidParams naming the field, not internal errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLsp, ready, uri, type LspSession } from '../lsp-client';
import { requireCorpora } from '../helpers';

let ws: string;
let s: LspSession;

function peakMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-reliability-lsp-'));
  cpSync(path.join(requireCorpora(), 'dbt', 'jaffle-shop', 'models'), path.join(ws, 'models'), { recursive: true });
  writeFileSync(
    path.join(ws, 'not-a-dag.json'),
    JSON.stringify({ nodes: Array.from({ length: 25 }, (_, i) => ({ label: `n${i}` })) }),
  );
  s = await startLsp(ws);
  await ready(s);
});
after(async () => {
  await s.close();
  rmSync(ws, { recursive: true, force: true });
});

test('mapping a JSON that is not a DAG: one InvalidParams error saying what is wrong, and at most one log line', async () => {
  const logsBefore = (s.notifications.get('window/logMessage') ?? []).length;
  await assert.rejects(
    s.conn.sendRequest('daglens/mapDag', { uri: uri(path.join(ws, 'not-a-dag.json')) }),
    (e: { code: number; message: string }) => {
      assert.equal(e.code, -32602);
      assert.match(
        e.message,
        /^no DAG nodes in not-a-dag\.json: not a DAG DagLens reads: nodes\.0\.id is missing \(and 24 more problems like it\)/,
      );
      return true;
    },
  );
  const logs = ((s.notifications.get('window/logMessage') ?? []) as Array<{ message: string }>)
    .slice(logsBefore)
    .filter((l) => /not-a-dag/.test(l.message));
  assert.ok(logs.length <= 1, logs.map((l) => l.message).join('\n'));
});

test('a document over daglens.maxFileBytes is not parsed: no symbols, one lens saying why, memory bounded', async () => {
  const unit =
    'select o.order_id, sum(p.amount) as total from orders o join payments p on p.order_id = o.order_id group by 1;\n';
  const big = unit.repeat(Math.ceil(20e6 / unit.length));
  const u = uri(path.join(ws, 'models', 'huge.sql'));
  await s.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri: u, languageId: 'sql', version: 1, text: big },
  });
  assert.deepEqual(await s.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: u } }), []);
  const lenses = (await s.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: u } })) as Array<{
    command?: { title: string };
  }>;
  assert.ok(
    lenses.some((l) =>
      /this file \(20 MB\) is over daglens\.maxFileBytes \(1\.0 MB\): no outline, lenses, lineage or search/.test(
        l.command?.title ?? '',
      ),
    ),
    JSON.stringify(lenses),
  );
  // One line long: a single 10 MB line.
  const line = uri(path.join(ws, 'models', 'oneline.sql'));
  await s.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri: line, languageId: 'sql', version: 1, text: unit.trim().repeat(90_000) },
  });
  assert.deepEqual(await s.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: line } }), []);
  // The rest of the workspace is served as before.
  const orders = uri(path.join(ws, 'models', 'marts', 'orders.sql'));
  assert.ok(
    ((await s.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: orders } })) as unknown[]).length >
      0,
  );
  assert.ok(peakMb(s.proc.pid!) < 1536, `peak RSS ${peakMb(s.proc.pid!).toFixed(0)} MB`);
  // Cut below the limit, it is parsed again.
  await s.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: u, version: 2 },
    contentChanges: [{ text: unit.repeat(3) }],
  });
  assert.equal(
    ((await s.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: u } })) as unknown[]).length,
    3,
  );
  for (const x of [u, line]) await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri: x } });
});

test('after a thousand edits in a burst the symbols are those of the final text', async () => {
  const u = uri(path.join(ws, 'models', 'storm.sql'));
  await s.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri: u, languageId: 'sql', version: 1, text: '' },
  });
  for (let v = 2; v <= 1001; v++) {
    await s.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: u, version: v },
      contentChanges: [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          text: `select ${v} as c${v};\n`,
        },
      ],
    });
  }
  const symbols = (await s.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: u } })) as Array<{
    name: string;
  }>;
  assert.equal(symbols.length, 1000);
  await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri: u } });
});

test('wrong parameters are InvalidParams naming the field, never an internal error', async () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['textDocument/codeLens', null, /textDocument\/codeLens: params: Expected object, received null/],
    ['textDocument/documentSymbol', { textDocument: {} }, /params\.textDocument\.uri: Required/],
    [
      'textDocument/hover',
      { textDocument: { uri: 'file:///x.sql' }, position: { line: -1, character: 0 } },
      /params\.position\.line: Number must be greater than or equal to 0/,
    ],
    ['workspace/symbol', {}, /workspace\/symbol: params\.query: Required/],
    ['codeLens/resolve', { data: 1 }, /codeLens\/resolve: params\.range: Required/],
  ];
  for (const [method, params, message] of cases) {
    await assert.rejects(s.conn.sendRequest(method, params), (e: { code: number; message: string }) => {
      assert.equal(e.code, -32602, `${method}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    });
  }
});
