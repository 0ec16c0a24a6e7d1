/** Several features answering one LSP request: lenses and definitions concatenated, hovers joined, resolve by the owner. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CodeLens, Connection } from 'vscode-languageserver/node';
import { multiplex } from '../../server/src/lsp/multiplex';

/** A connection that keeps the one handler per method vscode-languageserver would keep. */
function fakeConnection() {
  const handlers = new Map<string, (...a: unknown[]) => unknown>();
  const reg = (name: string) => (h: (...a: unknown[]) => unknown) => {
    handlers.set(name, h);
    return { dispose() {} };
  };
  // The multiplexer registers standard requests on the JSON-RPC layer (params checked first): by method name.
  const byMethod: Record<string, string> = {
    'textDocument/codeLens': 'codeLens',
    'codeLens/resolve': 'resolve',
    'textDocument/definition': 'definition',
    'textDocument/hover': 'hover',
  };
  const conn = {
    onRequest: (method: string, h: (...a: unknown[]) => unknown) => reg(byMethod[method] ?? method)(h),
    onCodeLens: reg('codeLens'),
    onCodeLensResolve: reg('resolve'),
    onDefinition: reg('definition'),
    onHover: reg('hover'),
    console: { log: () => 'kept' },
  };
  return { conn: conn as unknown as Connection, call: (name: string, ...a: unknown[]) => handlers.get(name)!(...a) };
}

const DOC = { textDocument: { uri: 'file:///w/a.sql' } };
const AT = { ...DOC, position: { line: 0, character: 0 } };
const lens = (line: number, title?: string): CodeLens => ({
  range: { start: { line, character: 0 }, end: { line, character: 0 } },
  ...(title ? { command: { title, command: '' } } : {}),
});

test('code lenses from two features are concatenated; one failing does not hide the other', async () => {
  const { conn, call } = fakeConnection();
  const m = multiplex(conn);
  m.onCodeLens(() => [lens(1, 'lineage')]);
  m.onCodeLens(async () => [lens(2, 'dag')]);
  m.onCodeLens(() => {
    throw new Error('broken feature');
  });
  const out = (await call('codeLens', DOC)) as CodeLens[];
  assert.deepEqual(
    out.map((l) => l.command?.title),
    ['lineage', 'dag'],
  );
  // Params that are not a code-lens request's: InvalidParams naming the field, before any feature runs.
  await assert.rejects(
    Promise.resolve().then(() => call('codeLens', {})),
    /params\.textDocument: Required/,
  );
});

test('a lens is resolved by the first feature that gives it a command', async () => {
  const { conn, call } = fakeConnection();
  const m = multiplex(conn);
  m.onCodeLensResolve((l) => l); // not this feature's lens
  m.onCodeLensResolve((l) => ({ ...l, command: { title: 'resolved', command: 'x' } }));
  assert.equal(((await call('resolve', lens(3))) as CodeLens).command?.title, 'resolved');
});

test('definitions are concatenated and hovers joined; other members pass through', async () => {
  const { conn, call } = fakeConnection();
  const m = multiplex(conn);
  const loc = (uri: string) => ({ uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } });
  m.onDefinition(() => [loc('file:///a')]);
  m.onDefinition(() => loc('file:///b'));
  m.onDefinition(() => null);
  assert.deepEqual(
    ((await call('definition', AT)) as Array<{ uri: string }>).map((l) => l.uri),
    ['file:///a', 'file:///b'],
  );
  m.onHover(() => ({ contents: { kind: 'markdown', value: 'one' } }));
  m.onHover(() => null);
  assert.deepEqual(await call('hover', AT), { contents: { kind: 'markdown', value: 'one' } });
  m.onHover(() => ({ contents: 'two' }));
  assert.equal(((await call('hover', AT)) as { contents: { value: string } }).contents.value, 'one\n\n---\n\ntwo');
  assert.equal((m as unknown as { console: { log(): string } }).console.log(), 'kept');
});
