/** DAG mapping over real LSP (dist/server.js --stdio) on the bundled demo project and its real Spark plans. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CodeLensRequest,
  DefinitionRequest,
  DidOpenTextDocumentNotification,
  HoverRequest,
  type CodeLens,
  type Hover,
  type Location,
} from 'vscode-languageserver-protocol/node';
import { DagMapResultSchema, ImpactResultSchema, impactRequest, mapDag } from '../../server/src/protocol';
import { REPO } from '../helpers';
import { ready, startLsp, uri, type LspSession } from '../lsp-client';

let ws: string;
let lsp: LspSession;
let planFile: string;

before(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-dag-lsp-'));
  cpSync(path.join(REPO, 'examples', 'demo'), ws, { recursive: true });
  planFile = path.join(ws, 'tpcds', 'plans', 'query36.explain.txt');
  lsp = await startLsp(ws);
  await ready(lsp);
  await lsp.conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(planFile), languageId: 'sparkplan', version: 1, text: readFileSync(planFile, 'utf8') },
  });
});

after(async () => {
  await lsp?.close();
  rmSync(ws, { recursive: true, force: true });
});

test('daglens/mapDag returns the contract for a plan file: the query found, operators mapped', async () => {
  const raw = await lsp.conn.sendRequest(mapDag, { uri: uri(planFile) });
  const r = DagMapResultSchema.parse(raw);
  assert.equal(r.sources[0].file, 'tpcds/queries/query36.sql');
  const i = r.dag.nodes.findIndex((n) => n.operator === 'Expand');
  assert.equal(r.mappings[i].status, 'high');
  assert.equal(r.mappings[i].best!.startLine, 23, 'Expand → the ROLLUP line');
  assert.ok(r.mappings.every((m) => m.status !== 'unmapped'));
});

test('plan code lenses: one per operator line, "→ file:line · confidence", opening the code', async () => {
  const lenses = (await lsp.conn.sendRequest(CodeLensRequest.type, {
    textDocument: { uri: uri(planFile) },
  })) as CodeLens[];
  // The physical plan's 29 operators are printed on lines 73–101 (0-based 72–100).
  const opLines = Array.from({ length: 29 }, (_, k) => 72 + k);
  assert.deepEqual(
    lenses.map((l) => l.range.start.line).sort((a, b) => a - b),
    opLines,
  );
  const filter = lenses.find((l) => l.range.start.line === 92)!; // `Filter … (d_year = 2001)`
  assert.match(filter.command!.title, /^→ query36\.sql:17 · (0\.\d\d|1\.00)$/);
  assert.equal(filter.command!.command, 'daglens.openLocation');
  assert.deepEqual(filter.command!.arguments![0], {
    uri: uri(path.join(ws, 'tpcds/queries/query36.sql')),
    startLine: 16,
    endLine: 16,
  });
  const exchange = lenses.find((l) => l.range.start.line === 77)!;
  assert.match(exchange.command!.title, /· derived$/);
});

test('go-to-definition on an operator line jumps to its code', async () => {
  const defs = (await lsp.conn.sendRequest(DefinitionRequest.type, {
    textDocument: { uri: uri(planFile) },
    position: { line: 83, character: 10 }, // BroadcastHashJoin [ss_store_sk], [s_store_sk]
  })) as Location[];
  assert.equal(defs.length, 1);
  assert.equal(defs[0].uri, uri(path.join(ws, 'tpcds/queries/query36.sql')));
  assert.equal(defs[0].range.start.line, 19);
});

test('hover on an operator line: where it maps, how sure, why', async () => {
  const h = (await lsp.conn.sendRequest(HoverRequest.type, {
    textDocument: { uri: uri(planFile) },
    position: { line: 81, character: 20 },
  })) as Hover;
  const text = (h.contents as { value: string }).value;
  assert.match(text, /^\*\*Expand\*\* — high · 0\.\d\d/);
  assert.match(text, /`tpcds\/queries\/query36\.sql:23` \(query36\): ROLLUP over i_category, i_class\./);
});

test('an operator hover links to the lineage and impact of the code it maps to, and that link works', async () => {
  const h = (await lsp.conn.sendRequest(HoverRequest.type, {
    textDocument: { uri: uri(planFile) },
    position: { line: 81, character: 20 },
  })) as Hover;
  const text = (h.contents as { value: string }).value;
  const link = /\[\$\(warning\) Impact\]\(command:daglens\.showImpact\?([^ )]+)/.exec(text);
  assert.ok(link, text);
  const [place] = JSON.parse(decodeURIComponent(link[1]!)) as Array<{
    uri: string;
    position: { line: number; character: number };
  }>;
  assert.equal(place!.uri, uri(path.join(ws, 'tpcds/queries/query36.sql')));
  // What the editor's Impact command asks: the query's statement, not "nothing with lineage here".
  const impact = ImpactResultSchema.parse(
    await lsp.conn.sendRequest(impactRequest, { uri: place!.uri, position: place!.position, direction: 'downstream' }),
  );
  assert.equal(impact.kind, 'process');
  assert.match(impact.start, /query36\.sql#/);
});

test('in code, a lens lists the plan nodes that map to a line', async () => {
  const sql = path.join(ws, 'tpcds/queries/query36.sql');
  await lsp.conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(sql), languageId: 'sql', version: 1, text: readFileSync(sql, 'utf8') },
  });
  const lenses = (await lsp.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uri(sql) } })) as CodeLens[];
  const rollup = lenses.find((l) => l.range.start.line === 22 && /⬡/.test(l.command?.title ?? ''));
  assert.ok(rollup, JSON.stringify(lenses.map((l) => [l.range.start.line, l.command?.title])));
  assert.match(rollup.command!.title, /query36\.explain\.txt: .*HashAggregate \(l\.79\).*Expand \(l\.82\)/);
});

test('a file that is no DAG gets a clear error, and the server keeps serving', async () => {
  const sql = path.join(ws, 'models/staging/stg_dates.sql');
  // One clear error naming the file and what is missing, not an empty mapping with a list of problems.
  await assert.rejects(
    lsp.conn.sendRequest(mapDag, { uri: uri(sql) }),
    /no DAG nodes in stg_dates\.sql: .*Physical Plan/,
  );
  await assert.rejects(lsp.conn.sendRequest(mapDag, { uri: 'untitled:x' }), /not a file/);
  const again = DagMapResultSchema.parse(await lsp.conn.sendRequest(mapDag, { uri: uri(planFile) }));
  assert.ok(again.dag.nodes.length > 20);
});
