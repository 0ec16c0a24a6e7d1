import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IndexReportDto, SearchHitDto } from '../../server/src/protocol';
import { CORPORA, REPO } from '../helpers';

let ws: string;
let dir: string;
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args], { encoding: 'utf8' });

before(() => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-index-cli-'));
  dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-index-cli-dir-'));
  cpSync(path.join(CORPORA, 'dbt/jaffle-shop'), ws, { recursive: true });
  writeFileSync(path.join(ws, 'blob.sql'), Buffer.from([0x73, 0x00, 0x01]));
});
after(() => {
  rmSync(ws, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

test('daglens index prints files, chunks, skipped (with the reason) and seconds; a second run reuses the index', () => {
  const first = cli('index', '--workspace', ws, '--index-dir', dir);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^skipped blob\.sql: binary \(contains NUL bytes\)$/m);
  assert.match(first.stdout, /^\d+ files, \d+ chunks, 1 skipped; \d+ indexed in \d+\.\d\d s$/m);
  const again = cli('index', '--workspace', ws, '--index-dir', dir, '--json');
  assert.equal(again.status, 0, again.stderr);
  const report = JSON.parse(again.stdout) as IndexReportDto;
  assert.equal(report.loadedSavedIndex, true);
  assert.equal(report.indexed, 0);
  assert.ok(report.files > 20 && report.chunks > report.files);
  assert.deepEqual(
    report.skipped.map((s) => s.reason),
    ['binary'],
  );
});

test('daglens search --json returns typed hits with 1-based lines; filters apply', () => {
  const r = cli(
    'search',
    'customer lifetime spend',
    '--workspace',
    ws,
    '--index-dir',
    dir,
    '--k',
    '3',
    '--lang',
    'sql',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  const { query, hits } = JSON.parse(r.stdout) as { query: string; hits: SearchHitDto[] };
  assert.equal(query, 'customer lifetime spend');
  assert.equal(hits.length, 3);
  assert.ok(hits.every((h) => h.language === 'sql' && h.startLine >= 1 && h.endLine >= h.startLine));
  assert.ok(
    hits.some((h) => h.name === 'customer_orders_summary' && h.file === 'models/marts/customers.sql'),
    hits.map((h) => h.name).join(),
  );
  const text = cli('search', 'customer_orders_summary', '--workspace', ws, '--index-dir', dir, '--k', '1');
  assert.match(text.stdout, /^models\/marts\/customers\.sql:\d+-\d+ {2}cte customers\.customer_orders_summary/m);
});

test('user mistakes are one line on stderr with exit code 2', () => {
  for (const args of [
    ['search', '--workspace', ws],
    ['search', 'x', '--k', 'ten', '--workspace', ws],
    ['index', '--workspace', path.join(ws, 'nope')],
  ]) {
    const r = cli(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
