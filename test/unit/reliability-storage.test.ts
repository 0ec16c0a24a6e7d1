/**
 * Crash-safe storage (issue 14): what a kill -9 leaves on disk is detected and repaired on the next start — temp
 * files removed, the previous index used without rebuilding its vector graph, a torn ledger line skipped without
 * losing the next entry, damaged cache and mapping files dropped instead of served — and two processes on one
 * folder neither interleave index saves nor overspend the hourly cap together. (`npm run fuzz` kills real
 * processes at random points; these are the states it can leave, made by hand.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { FileJobStore } from '../../server/src/engine/dag/jobs';
import {
  ensureDir,
  removeStaleTemps,
  tryLock,
  unwritableReason,
  writeFileAtomic,
} from '../../server/src/engine/durableFs';
import { CodeIndex } from '../../server/src/engine/index/codeIndex';
import { syncIndex } from '../../server/src/engine/index/indexer';
import { loadIndex, saveIndex } from '../../server/src/engine/index/store';
import { Budget, Job } from '../../server/src/engine/llm/budget';
import { ResponseCache } from '../../server/src/engine/llm/cache';
import { Ledger } from '../../server/src/engine/llm/ledger';
import { loadHistory } from '../../client/src/webview/chatHistory';
import { CORPORA } from '../helpers';
import type * as vscode from 'vscode';

const settings = parseSettings({}).settings;
let tmp: string;
const logs: string[] = [];
const log = {
  info: (m: string) => logs.push(`info: ${m}`),
  warn: (m: string) => logs.push(`warn: ${m}`),
  error: (m: string) => logs.push(`error: ${m}`),
};
/** A pid that is certainly not running (the kernel's pid_max is far below it). */
const DEAD_PID = 4_000_000;

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'daglens-reliability-storage-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a killed index save: the previous index loads with its own graph (no rebuild); temp files are removed', async () => {
  const ws = path.join(tmp, 'ws');
  cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop'), ws, { recursive: true });
  const dir = path.join(tmp, 'idx');
  const a = new CodeIndex({ root: ws, log });
  await syncIndex(a, settings, log, { indexDir: dir, workers: 0 });
  const saved = path.join(tmp, 'saved-a');
  cpSync(dir, saved, { recursive: true });
  // An update is saved: a new graph file, a new header, the old graph removed.
  writeFileSync(
    path.join(ws, 'models', 'extra.sql'),
    'select customer_id, count(*) as n from {{ ref("orders") }} group by 1\n',
  );
  await syncIndex(a, settings, log, { indexDir: dir, workers: 0 });
  const graphs = (d: string) => readdirSync(d).filter((n) => /^hnsw.*\.bin$/.test(n));
  assert.equal(graphs(dir).length, 1, 'one graph file: the one the header names');
  assert.notDeepEqual(graphs(dir), graphs(saved));
  // What a kill between writing that new graph and renaming the new header leaves: the old header, both
  // graphs, and a half-written header temp file of the dead process.
  copyFileSync(path.join(saved, 'index.dlx'), path.join(dir, 'index.dlx'));
  for (const g of graphs(saved)) copyFileSync(path.join(saved, g), path.join(dir, g));
  writeFileSync(path.join(dir, `index.dlx.tmp-${DEAD_PID}-3`), 'half a header');
  writeFileSync(path.join(dir, `hnsw.bin.tmp-${DEAD_PID}-2`), 'half a graph');
  logs.length = 0;
  const b = new CodeIndex({ root: ws, log });
  const r = await loadIndex(b, dir, log);
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.graphRebuilt, false, 'the header and its graph still match');
  assert.ok(!logs.some((l) => /rebuilding it from the saved vectors/.test(l)), logs.join('\n'));
  assert.ok(
    logs.some((l) => /removed 2 temp files left by an interrupted save/.test(l)),
    logs.join('\n'),
  );
  assert.deepEqual(
    readdirSync(dir).filter((n) => /\.tmp-/.test(n)),
    [],
  );
  // The next save leaves exactly the graph its header names.
  b.dirty = true;
  assert.equal(saveIndex(b, dir), true);
  assert.equal(graphs(dir).length, 1);
  const header = JSON.parse(readFileSync(path.join(dir, 'index.dlx'), 'utf8').split('\n')[0]) as { graphFile: string };
  assert.deepEqual(graphs(dir), [header.graphFile]);
});

test('a header naming a file outside the index folder is not followed', async () => {
  const dir = path.join(tmp, 'idx-evil');
  mkdirSync(dir, { recursive: true });
  const ws = path.join(tmp, 'ws');
  const a = new CodeIndex({ root: ws, log });
  await syncIndex(a, settings, log, { indexDir: dir, workers: 0 });
  const file = path.join(dir, 'index.dlx');
  const raw = readFileSync(file);
  const nl = raw.indexOf(10);
  const header = JSON.parse(raw.subarray(0, nl).toString()) as Record<string, unknown>;
  header.graphFile = '../../etc/passwd';
  writeFileSync(file, Buffer.concat([Buffer.from(JSON.stringify(header)), raw.subarray(nl)]));
  const r = await loadIndex(new CodeIndex({ root: ws, log }), dir, log);
  assert.equal(r.ok, false);
  assert.match(r.reason ?? '', /corrupt header/);
});

test('saves into one index folder take turns: a held lock makes a save wait, then skip', () => {
  const dir = path.join(tmp, 'lock');
  ensureDir(dir);
  const held = tryLock(dir, '.lock')!;
  assert.ok(held);
  assert.equal(tryLock(dir, '.lock', { waitMs: 30 }), undefined, 'a live holder keeps it');
  held.release();
  const again = tryLock(dir, '.lock')!;
  assert.ok(again);
  again.release();
  // A lock left by a killed process is broken at once.
  writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: DEAD_PID, t: Date.now() }));
  const taken = tryLock(dir, '.lock');
  assert.ok(taken, 'a dead holder does not block');
  taken!.release();
  assert.equal(saveIndex(new CodeIndex({ root: tmp, log }), dir), true);
});

test('an index folder that cannot be used is said so before any work (under /proc, or a file)', () => {
  const file = path.join(tmp, 'a-file');
  writeFileSync(file, 'x');
  assert.match(unwritableReason(file) ?? '', /is a file, not a folder/);
  assert.match(unwritableReason(path.join(file, 'sub')) ?? '', /is a file, not a folder/);
  // Node's own recursive mkdir never returns here; ours fails at once.
  assert.match(unwritableReason('/proc/daglens-test/index') ?? '', /cannot create the folder \/proc\/daglens-test/);
  assert.equal(unwritableReason(path.join(tmp, 'new', 'deep', 'dir')), undefined);
});

test('a torn last ledger line (a writer killed mid-append) is skipped, and the next entry is not lost with it', () => {
  const dir = path.join(tmp, 'ledger');
  const entry = (feature: string) => ({
    feature,
    provider: 'p',
    model: 'm',
    outcome: 'ok' as const,
    promptTokens: 1,
    completionTokens: 1,
    costUsd: 0.001,
    latencyMs: 1,
  });
  const a = new Ledger(dir);
  a.add(entry('first'));
  appendFileSync(path.join(dir, 'ledger.jsonl'), '{"t":1,"feature":"torn","costU');
  const damage: string[] = [];
  const b = new Ledger(dir, undefined, (m) => damage.push(m));
  b.add(entry('after the kill'));
  const c = new Ledger(dir);
  assert.deepEqual(
    c.all().map((e) => e.feature),
    ['first', 'after the kill'],
  );
  assert.equal(c.damagedLines, 1);
  assert.match(damage[0] ?? '', /1 unreadable line in .*ledger\.jsonl \(an interrupted write\?\) skipped/);
});

test('the hourly cap counts what other live processes have reserved; reservations of dead ones are dropped', async () => {
  const dir = path.join(tmp, 'budget');
  const ledger = new Ledger(dir);
  ledger.add({
    feature: 'x',
    provider: 'p',
    model: 'm',
    outcome: 'ok',
    promptTokens: 1,
    completionTokens: 1,
    costUsd: 0.5,
    latencyMs: 1,
  });
  // Another process (alive: a child that sleeps) has a request in flight that may cost $0.40.
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    mkdirSync(path.join(dir, 'reservations'), { recursive: true });
    writeFileSync(path.join(dir, 'reservations', `${other.pid}-1.json`), JSON.stringify({ usd: 0.4, t: Date.now() }));
    writeFileSync(path.join(dir, 'reservations', `${DEAD_PID}-1.json`), JSON.stringify({ usd: 5, t: Date.now() }));
    const budget = new Budget(new Ledger(dir), 1);
    assert.throws(
      () => budget.reserve(new Job('ask', 1), 0.2),
      /hourly cap of \$1\.00 would be exceeded \(spent \$0\.50 in the last hour and \$0\.40 reserved by requests in flight in other DagLens processes\)/,
    );
    assert.ok(
      !existsSync(path.join(dir, 'reservations', `${DEAD_PID}-1.json`)),
      "a dead process's reservation is removed",
    );
    const r = budget.reserve(new Job('ask', 1), 0.05);
    const mine = readdirSync(path.join(dir, 'reservations')).filter((n) => n.startsWith(`${process.pid}-`));
    assert.equal(mine.length, 1, 'our reservation is visible to other processes');
    budget.settle(r, 0.01);
    assert.equal(
      readdirSync(path.join(dir, 'reservations')).filter((n) => n.startsWith(`${process.pid}-`)).length,
      0,
      'and gone once settled',
    );
  } finally {
    other.kill('SIGKILL');
  }
});

test("a damaged cache entry is a miss (and removed), never an answer; killed writers' temp files go", async () => {
  const dir = path.join(tmp, 'cache');
  const c = new ResponseCache(dir, 3_600_000);
  c.set('k1', { text: 'fine' });
  c.set('k2', { text: 'soon damaged' });
  await c.flush();
  const file = (k: string) => path.join(dir, 'responses', k.slice(0, 2), `${k}.json`);
  writeFileSync(file('k2'), '{"at": 1, "val');
  const stale = `${file('k1')}.tmp-${DEAD_PID}-7`;
  writeFileSync(stale, 'half');
  const damage: string[] = [];
  const fresh = new ResponseCache(dir, Number.MAX_SAFE_INTEGER, undefined, (m) => damage.push(m));
  assert.deepEqual(fresh.get('k1'), { text: 'fine' });
  assert.equal(fresh.get('k2'), undefined);
  assert.ok(!existsSync(file('k2')), 'the damaged entry is removed');
  assert.match(damage.join('\n'), /unreadable; removed/);
  assert.ok(!existsSync(stale));
  writeFileSync(file('k1x'), JSON.stringify({ at: Date.now(), value: null }));
  assert.equal(fresh.get('k1x'), undefined, 'valid JSON of the wrong shape is no answer either');
});

test('stored DAG mappings: a damaged checkpoint is dropped and reported; an unusable folder never fails the mapping', () => {
  const dir = path.join(tmp, 'dag');
  const damage: string[] = [];
  const store = new FileJobStore(dir, 64, (m) => damage.push(m));
  store.putCheckpoint('k', { n1: { nodeId: 'n1', status: 'unmapped', best: null, alternatives: [] } });
  assert.equal(Object.keys(store.getCheckpoint('k') ?? {}).length, 1);
  writeFileSync(path.join(dir, 'k.checkpoint.json'), '{"n1": {"nodeId": 7}}');
  assert.equal(store.getCheckpoint('k'), undefined);
  assert.match(damage.join('\n'), /k\.checkpoint\.json was unreadable; removed, mapping again/);
  writeFileSync(path.join(dir, 'r.result.json'), '{"dag": ');
  assert.equal(store.getResult('r'), undefined);
  writeFileSync(path.join(tmp, 'not-a-dir'), 'x');
  const broken = new FileJobStore(path.join(tmp, 'not-a-dir', 'dag'), 64, (m) => damage.push(m));
  assert.doesNotThrow(() => broken.putCheckpoint('k', {}));
  assert.match(damage.at(-1) ?? '', /cannot keep DAG mappings in .*: results are not stored|cannot keep DAG mappings/);
});

test('atomic writes: a reader sees the old file or the new one; temp files of live writers are left alone', () => {
  const f = path.join(tmp, 'atomic.json');
  writeFileAtomic(f, 'old', { durable: true });
  writeFileAtomic(f, [Buffer.from('ne'), Buffer.from('w')]);
  assert.equal(readFileSync(f, 'utf8'), 'new');
  writeFileSync(`${f}.tmp-${process.pid}-99`, 'ours, in flight');
  writeFileSync(`${f}.tmp-${DEAD_PID}-1`, "a dead writer's");
  writeFileSync(`${f}.${DEAD_PID}.3.tmp`, 'an older naming');
  assert.equal(removeStaleTemps(tmp), 2);
  assert.ok(existsSync(`${f}.tmp-${process.pid}-99`));
});

test('chat history: a damaged turn is dropped (and said so), the readable ones are kept', () => {
  const turn = (id: string, status = 'done') => ({
    id,
    role: 'user',
    text: `t ${id}`,
    citations: [],
    contexts: [],
    status,
  });
  const state = {
    'daglens.chat.history.v1': [turn('a'), { id: 'b', role: 'robot' }, turn('c', 'streaming'), 'garbage', turn('a')],
  };
  const memento = { get: (k: string) => (state as Record<string, unknown>)[k] } as unknown as vscode.Memento;
  const problems: string[] = [];
  const turns = loadHistory(memento, (m) => problems.push(m));
  assert.deepEqual(
    turns.map((t) => [t.id, t.status]),
    [
      ['a', 'done'],
      ['c', 'stopped'],
    ],
  );
  assert.deepEqual(problems, ['3 unreadable turns of the saved chat history were dropped; the other 2 were kept']);
});
