/**
 * The CLI's answers to the bad inputs of issue 14 (through the CLI entry, by tsx): each is exit 0 with a result,
 * or exit 2 with one line saying what is wrong, where, and what to do — never a stack, never a hang.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, requireCorpora } from '../helpers';

let tmp: string;
let ws: string;
const plan = () =>
  readFileSync(path.join(requireCorpora(), 'spark-tpcds', 'spark3', 'plans', 'query03.explain.txt'), 'utf8');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'server/src/cli/main.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO,
    timeout: 90_000,
    env: { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** Exit 2 and exactly one line on stderr. */
function oneLine(r: ReturnType<typeof cli>, pattern: RegExp): void {
  assert.equal(r.signal, null, 'not killed (a hang would be)');
  assert.equal(r.code, 2, r.err);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err.trim(), pattern);
  assert.doesNotMatch(r.err, /Maximum call stack|internal error|\n\s+at /);
}

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'daglens-reliability-cli-'));
  ws = path.join(tmp, 'ws');
  mkdirSync(ws);
  cpSync(path.join(requireCorpora(), 'spark-tpcds', 'spark3', 'queries', 'query03.sql'), path.join(ws, 'query03.sql'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('map: a deeply nested plan JSON is one line naming the limit', () => {
  let deep = '{"nodeName":"Scan parquet db.t"}';
  for (let i = 0; i < 20_000; i++) deep = `{"nodeName":"Project","children":[${deep}]}`;
  writeFileSync(path.join(tmp, 'deep.json'), deep);
  oneLine(
    cli('map', '--dag', path.join(tmp, 'deep.json'), '--workspace', ws, '--no-cache'),
    /^daglens: no DAG nodes in .*deep\.json: the JSON nests more than \d+ levels deep .*daglens\.limits\.maxDagDepth/,
  );
});

test('map: BOM, UTF-16 and CRLF plan files map like plain ones', () => {
  const text = plan();
  for (const [name, bytes] of [
    ['bom.explain.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ['utf16.explain.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['crlf.explain.txt', Buffer.from(text.replace(/\n/g, '\r\n'))],
  ] as const) {
    writeFileSync(path.join(tmp, name), bytes);
    const r = cli('map', '--dag', path.join(tmp, name), '--workspace', ws, '--no-cache', '--json');
    assert.equal(r.code, 0, `${name}: ${r.err}`);
    const json = JSON.parse(r.out) as { dag: { nodes: unknown[] }; sources: Array<{ file: string }> };
    assert.equal(json.dag.nodes.length, 19, name);
    assert.equal(json.sources[0]?.file, 'query03.sql', name);
  }
  writeFileSync(
    path.join(tmp, 'bom.json'),
    `\uFEFF${JSON.stringify({ nodes: [{ id: 'a' }, { id: 'b' }], edges: [['a', 'b']] }, null, 2)}`,
  );
  assert.equal(cli('map', '--dag', path.join(tmp, 'bom.json'), '--workspace', ws, '--no-cache').code, 0);
});

test('map: a file that is not a DAG is one line (what is wrong, where, what was expected)', () => {
  writeFileSync(
    path.join(tmp, 'not-a-dag.json'),
    JSON.stringify({ nodes: Array.from({ length: 30 }, () => ({ label: 'x' })) }),
  );
  oneLine(
    cli('map', '--dag', path.join(tmp, 'not-a-dag.json'), '--workspace', ws, '--no-cache'),
    /^daglens: no DAG nodes in .*not-a-dag\.json: not a DAG DagLens reads: nodes\.0\.id is missing \(and 29 more problems like it\) — expected \{"nodes"/,
  );
  writeFileSync(path.join(tmp, 'broken.json'), '{"nodes": [\n  {"id": "a",}\n]}');
  oneLine(
    cli('map', '--dag', path.join(tmp, 'broken.json'), '--workspace', ws, '--no-cache'),
    /: line 2: not valid JSON: column 14: unexpected '}' where a "key" should be$/,
  );
  writeFileSync(
    path.join(tmp, 'image.json'),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
  );
  oneLine(cli('map', '--dag', path.join(tmp, 'image.json'), '--workspace', ws), /is not a DAG: it is a binary file/);
});

test('index: a folder that cannot be written fails at once, before indexing (under /proc, a file, under a file)', () => {
  oneLine(
    cli('index', '--workspace', ws, '--index-dir', '/proc/daglens-reliability-test'),
    /^daglens: --index-dir: cannot create the folder \/proc\/daglens-reliability-test: .* — choose a writable --index-dir, or --no-save$/,
  );
  writeFileSync(path.join(tmp, 'a-file'), 'x');
  const file = cli('index', '--workspace', ws, '--index-dir', path.join(tmp, 'a-file'));
  oneLine(file, /--index-dir: .*a-file is a file, not a folder/);
  assert.equal(file.out, '', 'nothing was indexed first');
  oneLine(
    cli('search', 'orders', '--workspace', ws, '--index-dir', path.join(tmp, 'a-file', 'sub')),
    /a-file is a file, not a folder/,
  );
});

test('ask --file outside the workspace (a path, ../, a link pointing out) is refused before anything reads it', () => {
  const secret = path.join(tmp, 'secret.sql');
  writeFileSync(secret, 'select 1;\n');
  symlinkSync(secret, path.join(ws, 'link.sql'));
  oneLine(
    cli('ask', 'what is this?', '--workspace', ws, '--file', secret, '--no-llm'),
    /^daglens: --file .*secret\.sql is outside the workspace/,
  );
  oneLine(
    cli('ask', 'what is this?', '--workspace', ws, '--file', '../secret.sql', '--no-llm'),
    /^daglens: --file \.\.\/secret\.sql is outside the workspace/,
  );
  oneLine(
    cli('ask', 'what is this?', '--workspace', ws, '--file', 'link.sql', '--no-llm'),
    /^daglens: --file link\.sql links outside the workspace/,
  );
  rmSync(path.join(ws, 'link.sql'));
});

test('runs: a History Server answer that is not JSON says where, in one line', () => {
  const answer = readFileSync(
    path.join(requireCorpora(), 'spark-eventlogs', 'derived', 'e2e_local_stale.sql-6.json'),
    'utf8',
  );
  writeFileSync(path.join(tmp, 'rest.json'), answer.replace('"id"', '"id" "'));
  oneLine(
    cli('runs', path.join(tmp, 'rest.json'), '--workspace', ws, '--no-cache'),
    /is neither a Spark event log nor valid JSON \(line \d+, column \d+: expected ':' after the key/,
  );
});

test('no command: the usage, and one line on stderr saying so', () => {
  const r = cli();
  assert.equal(r.code, 2);
  assert.match(r.out, /^Usage: daglens <command>/m);
  assert.equal(r.err, "daglens: no command given (see 'daglens --help')\n");
});
