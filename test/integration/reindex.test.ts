// `daglens/reindex` (the editor's Index Workspace / Rebuild Index) over real LSP against dist/server.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reindex, search } from '@daglens/protocol';
import { assembleEditorWorkspace } from '../editorWorkspace';
import { ready, startLsp } from '../lsp-client';

const WORKSPACE = assembleEditorWorkspace();

test('Index Workspace brings the index up to date; Rebuild Index builds the same index from scratch', async () => {
  const lsp = await startLsp(WORKSPACE, {}, {});
  try {
    await ready(lsp);
    // The start-up indexing runs beside the scan: wait for it (a second one would be refused).
    for (let i = 0; i < 300 && (await lsp.conn.sendRequest(search, { query: 'store_sales' })).indexing; i++)
      await new Promise((r) => setTimeout(r, 100));
    const first = await lsp.conn.sendRequest(reindex, {});
    assert.equal(first.folders.length, 1);
    assert.ok(first.folders[0]!.files >= 10, `files: ${first.folders[0]!.files}`);
    const rebuilt = await lsp.conn.sendRequest(reindex, { rebuild: true });
    assert.deepEqual(rebuilt.folders, first.folders);
    const hits = await lsp.conn.sendRequest(search, { query: 'ss_ext_sales_price', k: 3 });
    assert.equal(hits.hits[0]?.file, 'tpcds/query03.sql');
    await assert.rejects(lsp.conn.sendRequest(reindex, { rebuild: 'yes' } as never), /daglens\/reindex/);
  } finally {
    await lsp.close();
  }
});
