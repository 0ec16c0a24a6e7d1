/** The webview message schemas: what the extension accepts from a page, and the saved chat history. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatToExtensionSchema, ChatToWebviewSchema, GraphToExtensionSchema, type ChatTurn } from '@daglens/protocol';
import type { Memento } from 'vscode';
import { boundHistory, loadHistory } from '../../client/src/webview/chatHistory';

test('valid chat messages parse, with whitespace trimmed from questions', () => {
  const ask = ChatToExtensionSchema.parse({ type: 'ask', question: '  where does store_sales come from?\n' });
  assert.deepEqual(ask, { type: 'ask', question: 'where does store_sales come from?' });
  const cite = ChatToExtensionSchema.parse({
    type: 'openCitation',
    citation: { file: 'models/store_revenue.sql', startLine: 3, endLine: 9 },
  });
  assert.equal(cite.type, 'openCitation');
  assert.equal(ChatToExtensionSchema.parse({ type: 'action', action: 'setApiKey' }).type, 'action');
});

test('unknown types and bad payloads from a page are rejected', () => {
  const bad: unknown[] = [
    { type: 'eval', code: 'alert(1)' },
    { question: 'no type' },
    'ask',
    null,
    { type: 'ask', question: '   ' },
    { type: 'ask', question: 'x'.repeat(8001) },
    { type: 'ask', question: 42 },
    { type: 'openCitation', citation: { file: 'a.sql', startLine: 9, endLine: 3 } },
    { type: 'openCitation', citation: { file: 'a.sql', startLine: 0, endLine: 1 } },
    { type: 'openCitation', citation: { file: '', startLine: 1, endLine: 1 } },
    { type: 'openCitation', citation: { file: 'a.sql', startLine: 1.5, endLine: 2 } },
    { type: 'action', action: 'workbench.action.terminal.new' },
    { type: 'copy' },
  ];
  for (const m of bad) assert.equal(ChatToExtensionSchema.safeParse(m).success, false, JSON.stringify(m));
});

test('graph messages: filter depth defaults to one hop and is bounded', () => {
  assert.deepEqual(GraphToExtensionSchema.parse({ type: 'filter', text: 'store_sales' }), {
    type: 'filter',
    text: 'store_sales',
    depth: 1,
  });
  assert.equal(GraphToExtensionSchema.safeParse({ type: 'filter', text: 'x', depth: 99 }).success, false);
  assert.equal(GraphToExtensionSchema.safeParse({ type: 'openNode', nodeId: '' }).success, false);
  assert.equal(GraphToExtensionSchema.safeParse({ type: 'openNode' }).success, false);
  assert.ok(GraphToExtensionSchema.safeParse({ type: 'askNode', nodeId: 'model.jaffle_shop.orders' }).success);
  assert.equal(GraphToExtensionSchema.safeParse({ type: 'askNode', nodeId: 42 }).success, false);
});

test('messages to the page are checked too: a turn needs a known status', () => {
  const turn = { id: 't1', role: 'assistant', text: 'hi', citations: [], contexts: [], status: 'done' };
  assert.ok(ChatToWebviewSchema.safeParse({ type: 'turn', turn }).success);
  assert.equal(ChatToWebviewSchema.safeParse({ type: 'turn', turn: { ...turn, status: 'exploded' } }).success, false);
});

/** An in-memory vscode.Memento (workspaceState). */
function memento(initial: Record<string, unknown>): Memento {
  const data = new Map(Object.entries(initial));
  return {
    keys: () => [...data.keys()],
    get: (k: string, d?: unknown) => (data.has(k) ? data.get(k) : d),
    update: async (k: string, v: unknown) => void data.set(k, v),
  } as Memento;
}

test('saved history: a turn saved mid-stream comes back stopped; corrupt history is reset with a message', () => {
  const saved = [
    { id: 'q', role: 'user', text: 'what reads web_sales?', status: 'done' },
    { id: 'a', role: 'assistant', text: 'Query 12 reads', status: 'streaming' },
  ];
  const problems: string[] = [];
  const turns = loadHistory(memento({ 'daglens.chat.history.v1': saved }), (m) => problems.push(m));
  assert.deepEqual(
    turns.map((t) => [t.id, t.status, t.citations.length]),
    [
      ['q', 'done', 0],
      ['a', 'stopped', 0],
    ],
  );
  assert.equal(problems.length, 0);
  const reset = loadHistory(memento({ 'daglens.chat.history.v1': [{ id: 'x', role: 'robot' }] }), (m) =>
    problems.push(m),
  );
  assert.deepEqual(reset, []);
  assert.match(problems[0] ?? '', /unreadable/);
});

test('history is bounded to the newest turns', () => {
  const turns: ChatTurn[] = Array.from({ length: 150 }, (_, i) => ({
    id: `t${i}`,
    role: i % 2 ? 'assistant' : 'user',
    text: 'x'.repeat(9000),
    citations: [],
    contexts: [],
    status: 'done',
  }));
  const kept = boundHistory(turns);
  assert.ok(kept.length <= 100 && kept.length > 0);
  assert.equal(kept.at(-1)?.id, 't149');
  assert.ok(kept.reduce((n, t) => n + t.text.length, 0) <= 1_000_000);
});
