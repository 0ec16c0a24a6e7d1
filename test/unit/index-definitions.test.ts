/**
 * Queries that name a definition put it first, ahead of the tests that subclass or call it: on CPython
 * standard library files read in place (the bench runs the whole stdlib against 50 labelled queries).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CodeIndex } from '../../server/src/engine/index/codeIndex';
import { definitionQuery, isTestPath } from '../../server/src/engine/index/definitions';
import { parseText } from '../../server/src/engine/parsing/parse';
import { symbolsOf } from '../../server/src/engine/symbols';

const STDLIB = execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], {
  encoding: 'utf8',
}).trim();
/** Definitions and the tests around them: OrderedDict and its test subclasses, four modules defining `dumps`. */
const FILES = [
  'collections/__init__.py',
  'test/test_ordered_dict.py',
  'json/__init__.py',
  'test/test_json/test_dump.py',
  'plistlib.py',
  'xmlrpc/client.py',
  'pickle.py',
  'test/pickletester.py',
  'test/test_pickle.py',
];

let index: CodeIndex;
before(() => {
  index = new CodeIndex({ root: STDLIB, log: { info() {}, warn() {}, error() {} } });
  for (const rel of FILES) {
    const text = readFileSync(path.join(STDLIB, rel), 'utf8');
    index.indexFile(rel, 'python', text, symbolsOf(parseText('python', text), path.join(STDLIB, rel)));
  }
});

const top = async (q: string, k = 5) => (await index.search(q, { k })).map((h) => `${h.file}:${h.name}`);

test('the stdlib files are here', () => {
  for (const rel of FILES) assert.ok(existsSync(path.join(STDLIB, rel)), rel);
});

test("`class OrderedDict` and `OrderedDict`: collections' definition, not the test subclasses that reuse the name", async () => {
  for (const q of ['class OrderedDict', 'OrderedDict']) {
    const hits = await top(q);
    assert.equal(hits[0], 'collections/__init__.py:OrderedDict', `${q}: ${hits.join(', ')}`);
  }
});

test("`def dumps`: the modules' own dumps functions lead, json.dumps among them; `json.dumps` names json's", async () => {
  const hits = await top('def dumps');
  assert.ok(hits.slice(0, 3).includes('json/__init__.py:dumps'), hits.join(', '));
  assert.ok(
    hits.slice(0, 3).every((h) => !isTestPath(h.split(':')[0]!)),
    hits.join(', '),
  );
  assert.equal((await top('json.dumps'))[0], 'json/__init__.py:dumps');
});

test('a query in words is no definition query; a keyword, a dotted name or a bare identifier is', () => {
  assert.equal(definitionQuery('orders by customer'), undefined);
  assert.deepEqual(definitionQuery('def dumps'), { name: 'dumps', kinds: definitionQuery('def x')!.kinds });
  assert.deepEqual(definitionQuery('json.dumps'), { name: 'dumps', qualifier: 'json' });
  assert.equal(definitionQuery('class OrderedDict:')?.name, 'OrderedDict');
});

test('test code, by the usual conventions of each language', () => {
  for (const f of [
    'test/test_json/test_dump.py',
    'tests/x.py',
    'pkg/test_io.py',
    'idlelib/idle_test/test_rpc.py',
    'src/app.test.ts',
    'src/main/FooTest.java',
    'conftest.py',
  ])
    assert.ok(isTestPath(f), f);
  for (const f of ['json/__init__.py', 'unittest/case.py', 'contest/latest.py', 'notes/x.py'])
    assert.ok(!isTestPath(f), f);
});
