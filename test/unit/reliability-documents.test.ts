/**
 * Edit storms (issue 14): the documents feature coalesces changes, so a thousand edits in a burst parse once
 * — when the burst pauses, or when a request needs the text — instead of a thousand times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { documentsFeature, flushPending } from '../../server/src/lsp/features/documents';
import type { ServerContext } from '../../server/src/lsp/context';

function harness() {
  const docs = new Map<string, { uri: string; version: number; getText(): string; languageId: string }>();
  let onChange: ((e: { document: TextDocument }) => void) | undefined;
  const synced: Array<[string, number]> = [];
  const noop = () => ({ dispose() {} });
  const ctx = {
    connection: { onCodeLens: noop, onDidChangeWatchedFiles: noop } as unknown as ServerContext['connection'],
    documents: {
      onDidChangeContent: (cb: typeof onChange) => {
        onChange = cb;
        return { dispose() {} };
      },
      onDidClose: noop,
      get: (uri: string) => docs.get(uri),
    } as unknown as ServerContext['documents'],
    log: { info() {}, warn() {}, error() {} },
    session: () => {
      throw new Error('not needed');
    },
    sync: (doc: TextDocument) => {
      synced.push([doc.uri, doc.version]);
      return undefined;
    },
    pathOf: () => undefined,
  } as unknown as ServerContext;
  documentsFeature.register(ctx);
  const edit = (uri: string, version: number) => {
    const doc = { uri, version, languageId: 'sql', getText: () => `select ${version};` };
    docs.set(uri, doc);
    onChange!({ document: doc as unknown as TextDocument });
  };
  return { edit, synced };
}

test('a thousand edits in a burst are parsed once, with the last version', async () => {
  const h = harness();
  for (let v = 1; v <= 1000; v++) h.edit('file:///ws/a.sql', v);
  assert.equal(h.synced.length, 0, 'nothing parsed while the burst goes on');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(h.synced, [['file:///ws/a.sql', 1000]]);
});

test('a request during a burst sees every edit so far (pending edits are flushed first)', async () => {
  const h = harness();
  for (let v = 1; v <= 50; v++) h.edit('file:///ws/b.sql', v);
  h.edit('file:///ws/c.sql', 7);
  flushPending();
  assert.deepEqual(h.synced.sort(), [
    ['file:///ws/b.sql', 50],
    ['file:///ws/c.sql', 7],
  ]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(h.synced.length, 2, 'and not parsed again when the timer fires');
});

test('an edit stream that never pauses is still parsed regularly (every 750 ms at most)', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const h = harness();
  for (let v = 1; v <= 170; v++) {
    h.edit('file:///ws/d.sql', v);
    t.mock.timers.tick(10);
  }
  // 1.7 s of edits every 10 ms: parsed at 750 and 1500 ms, then once the stream stops.
  assert.deepEqual(
    h.synced.map(([, v]) => v),
    [75, 150],
  );
  t.mock.timers.tick(100);
  assert.deepEqual(
    h.synced.map(([, v]) => v),
    [75, 150, 170],
  );
});
