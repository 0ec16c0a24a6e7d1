/**
 * Bad inputs the reliability audit (issue 14) found, each now one clear answer: deeply nested JSON DAGs, a
 * byte-order mark, UTF-16 files, a JSON that is not a DAG, JSON syntax errors (where, not V8's snippet), a plan
 * pasted thousands of times, YAML nested deeper than its grammar survives, and a parse that would take minutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ingestDag } from '../../server/src/engine/dag/ingest';
import { decodeDagBytes } from '../../server/src/engine/dag/ingest/decode';
import { findJsonError } from '../../server/src/engine/dag/ingest/jsonError';
import { noNodesMessage } from '../../server/src/engine/dag/errors';
import { parseText, yamlIndentDepth } from '../../server/src/engine/parsing/parse';
import { FIXTURES, REPO, requireCorpora } from '../helpers';

const INTERNAL = /Maximum call stack|RangeError|TypeError|Cannot read propert/;

test('a deeply nested plan JSON is one clear problem, not "Maximum call stack size exceeded"', () => {
  let plan = '{"nodeName":"Scan parquet db.t"}';
  for (let i = 0; i < 20_000; i++) plan = `{"nodeName":"Project","simpleString":"Project [a#1]","children":[${plan}]}`;
  const r = ingestDag(plan, 'deep.json');
  assert.equal(r.dag.nodes.length, 0);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].message, /nests more than \d+ levels deep .*daglens\.limits\.maxDagDepth/);
  assert.doesNotMatch(r.problems[0].message, INTERNAL);
  // Deep inside a generic DAG's attributes too.
  const attr = `{"nodes":[{"id":"a","attributes":{"x":${'['.repeat(100_000)}1${']'.repeat(100_000)}}}],"edges":[]}`;
  assert.match(ingestDag(attr, 'g.json').problems[0].message, /nests more than/);
  // Under the limit a deep plan still reads, without recursion: 900 operators in a chain.
  let ok = '{"nodeName":"Scan parquet db.t"}';
  for (let i = 0; i < 900; i++) ok = `{"nodeName":"Filter","simpleString":"Filter (a#1 > ${i})","children":[${ok}]}`;
  const read = ingestDag(JSON.stringify({ sparkPlanInfo: JSON.parse(ok) }));
  assert.equal(read.dag.nodes.length, 901);
  assert.equal(read.dag.edges.length, 900);
  assert.deepEqual(
    ingestDag(ok, 'x.json', { maxDagDepth: 100, maxDagNodes: 100_000 }).dag.nodes,
    [],
    'the depth limit is a setting',
  );
});

test('a JSON DAG that starts with a byte-order mark reads like one without', () => {
  const dag = JSON.stringify({ nodes: [{ id: 'a' }, { id: 'b' }], edges: [['a', 'b']] }, null, 1);
  const r = ingestDag(`\uFEFF${dag}`, 'dag.json');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.dag.nodes.map((n) => n.id),
    ['a', 'b'],
  );
});

test('DAG files in UTF-16 or with a BOM decode; a binary file is said to be one', () => {
  const plan = readFileSync(path.join(FIXTURES, 'dag', 'q3.formatted.txt'), 'utf8');
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plan, 'utf16le')]);
  assert.equal(decodeDagBytes(le).text, plan);
  assert.equal(decodeDagBytes(le).encoding, 'utf-16le');
  assert.equal(decodeDagBytes(Buffer.from(plan, 'utf16le')).text, plan, 'UTF-16 without a BOM');
  assert.equal(decodeDagBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(plan)])).text, plan);
  assert.ok(ingestDag(decodeDagBytes(le).text).dag.nodes.length > 10);
  assert.match(decodeDagBytes(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2, 3])).notText ?? '', /binary file/);
});

test('a JSON that is not a DAG: one problem that says what is wrong, where, and what is expected', () => {
  const r = ingestDag(JSON.stringify({ nodes: Array.from({ length: 40 }, (_, i) => ({ name: `n${i}` })) }), 'x.json');
  assert.equal(r.problems.length, 1, 'one problem, not one per node');
  assert.match(
    r.problems[0].message,
    /^not a DAG DagLens reads: nodes\.0\.id is missing \(and 39 more problems like it\) — expected \{"nodes"/,
  );
  const other = ingestDag('{"foo": 1, "bar": [2]}', 'y.json');
  assert.match(
    other.problems[0].message,
    /an object with "foo", "bar" — expected Spark EXPLAIN text, Spark plan JSON, a dbt manifest\.json or/,
  );
  assert.match(noNodesMessage('y.json', other.problems), /^no DAG nodes in y\.json: not a DAG DagLens reads/);
  assert.equal(
    noNodesMessage('z.txt', [{ line: 3, message: 'a' }, { message: 'b' }, { message: 'c' }]),
    'no DAG nodes in z.txt: line 3: a (+2 more problems)',
  );
});

test('JSON syntax errors say where (line, column) in one line, never quoting the input', () => {
  assert.deepEqual(findJsonError('{"nodes": [\n{"id": 1,}\n]}'), {
    line: 2,
    column: 10,
    message: 'unexpected \'}\' where a "key" should be',
  });
  assert.deepEqual(findJsonError('[1, 2'), {
    line: 1,
    column: 6,
    message: 'the text ends before this array is closed',
  });
  assert.equal(
    findJsonError(readFileSync(path.join(requireCorpora(), 'dbt', 'dbt_analytics', 'dbt-graph.json'), 'utf8')),
    undefined,
  );
  assert.equal(findJsonError(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), undefined, 'no recursion');
  const r = ingestDag('{"nodes": [\n{"id": 1,}\n]}', 'dag.json');
  assert.deepEqual(r.problems, [
    { line: 2, message: 'not valid JSON: column 10: unexpected \'}\' where a "key" should be' },
  ]);
  const lines = ingestDag('{"Event":"SparkListenerLogStart"}\n{"Event": oops}\n', 'log.json');
  assert.match(
    lines.problems[0].message,
    /^line 2 is not valid JSON \(column 11: unexpected 'o' where a value should be\)$/,
  );
});

test('a plan pasted thousands of times is read once up to the node limit, with a bounded problem list', () => {
  const one = readFileSync(path.join(FIXTURES, 'dag', 'q3.formatted.txt'), 'utf8');
  const many = Array.from({ length: 3000 }, () => one).join('\n');
  const r = ingestDag(many, 'many.txt', { maxDagDepth: 1000, maxDagNodes: 5000 });
  assert.equal(r.dag.nodes.length, 5000);
  assert.ok(r.problems.length <= 101, `${r.problems.length} problems`);
  assert.ok(
    r.problems.some((p) =>
      /more than 5,000 nodes; only the first 5,000 were read \(daglens\.limits\.maxDagNodes\)/.test(p.message),
    ),
  );
});

test('YAML nested deeper than its grammar survives is not parsed (the grammar would abort the process)', () => {
  const deep = Array.from({ length: 400 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' v\n';
  assert.ok(yamlIndentDepth(deep) > 150);
  assert.ok(yamlIndentDepth('a:\n  b:\n    - c\n    - d: 1\n') <= 4);
  // Old-Mac line endings (`\r` alone) break lines for the scanner too (a fuzz case aborted the server so).
  assert.ok(yamlIndentDepth(deep.replace(/\n/g, '\r')) > 150);
  assert.ok(yamlIndentDepth(deep.replace(/\n/g, '\r\n')) > 150);
  assert.equal(yamlIndentDepth('a:\r  b:\r    c: 1\r'), 3);
  // In a child process: before this guard the tree-sitter YAML scanner died with SIGABRT (an assertion).
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
    const { parseText } = require(${JSON.stringify(path.join(REPO, 'server/src/engine/parsing/parse.ts'))});
    const deep = Array.from({ length: 400 }, (_, i) => '  '.repeat(i) + 'k' + i + ':').join('\\n') + ' v\\n';
    const p = parseText('yaml', deep);
    process.stdout.write(JSON.stringify({ tooDeep: p.tooDeep, hasErrors: p.hasErrors }));
    const seq = parseText('yaml', '- '.repeat(2000) + 'x\\n');
    process.stdout.write(' ' + JSON.stringify({ tooDeep: seq.tooDeep }));
  `,
    ],
    { encoding: 'utf8', cwd: REPO },
  );
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '{"tooDeep":true,"hasErrors":true} {"tooDeep":true}');
  assert.equal(parseText('yaml', 'a:\n  b: 1\n').tooDeep, undefined);
});

test('a parse that would take minutes stops at its budget: no symbols, marked, and the parser still works after', () => {
  const scala = `object X { val x = ${'('.repeat(50_000)}1 }\n`;
  const p = parseText('scala', scala);
  assert.equal(p.timedOut, true);
  assert.equal(p.hasErrors, true);
  assert.equal(p.tree.rootNode.endIndex, 0, 'an empty tree: no symbols');
  assert.equal(parseText('scala', 'object Y { def f = 1 }\n').timedOut, undefined);
});
