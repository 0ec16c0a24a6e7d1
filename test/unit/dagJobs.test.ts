/** Mapping jobs on a real plan: parallel batches, progress, cancellation with checkpoint, resume, cache. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusUnits } from '../../bench/mapEval';
import { ingestDag } from '../../server/src/engine/dag/ingest';
import { dagHash, FileJobStore, JobCancelled, MemoryJobStore, runMappingJob } from '../../server/src/engine/dag/jobs';
import { mapDag } from '../../server/src/engine/dag/mapping/mapper';
import { requireCorpora } from '../helpers';

const dir = path.join(requireCorpora(), 'spark-tpcds', 'spark3');
const units = corpusUnits(dir);
const text = readFileSync(path.join(dir, 'plans', 'query05.explain.txt'), 'utf8');
const strip = (r: { mappings: unknown }) => JSON.stringify(r.mappings);

test('a job maps in batches of maxParallel, reports progress, and equals the one-shot mapping', async () => {
  const seen: Array<{ done: number; total: number }> = [];
  const r = await runMappingJob('k1', ingestDag(text), units, { maxParallel: 3, onProgress: (p) => seen.push(p) });
  assert.equal(strip(r), strip(mapDag(ingestDag(text), units)));
  const total = seen[0].total;
  assert.ok(total > 30);
  assert.deepEqual(seen[seen.length - 1], { done: total, total });
  // every step but the last advances by at most maxParallel
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].done - seen[i - 1].done <= 3);
});

test('cancel mid-way keeps a checkpoint; the next run resumes from it and gives the same answer', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'daglens-jobs-'));
  try {
    const store = new FileJobStore(tmp);
    const key = `${dagHash(text)}-v1`;
    const abort = new AbortController();
    await assert.rejects(
      runMappingJob(key, ingestDag(text), units, {
        store,
        maxParallel: 2,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.done >= 10) abort.abort();
        },
      }),
      (e: unknown) => e instanceof JobCancelled && e.progress.done >= 10 && e.progress.done < e.progress.total,
    );
    assert.ok(readdirSync(tmp).some((f) => f.endsWith('.checkpoint.json')));
    assert.equal(readFileSync(path.join(tmp, '.gitignore'), 'utf8'), '*\n', 'the cache keeps itself out of git');
    const resumed = await runMappingJob(key, ingestDag(text), units, { store, maxParallel: 2 });
    assert.ok(resumed.resumed >= 10, `resumed ${resumed.resumed}`);
    assert.equal(strip(resumed), strip(mapDag(ingestDag(text), units)));
    assert.ok(!readdirSync(tmp).some((f) => f.endsWith('.checkpoint.json')), 'checkpoint dropped when done');
    // same key again: the cached result, no work
    const again = await runMappingJob(key, ingestDag(text), units, { store });
    assert.equal(again.cached, true);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a verifier hook sees only low-confidence nodes and its spend is reported', async () => {
  const seen: string[] = [];
  // query09 has low-confidence nodes: five near-identical scalar subqueries.
  const q9 = readFileSync(path.join(dir, 'plans', 'query09.explain.txt'), 'utf8');
  const r = await runMappingJob('k2', ingestDag(q9), units, {
    store: new MemoryJobStore(),
    verify: async (_id, m) => {
      seen.push(m.status);
      return { mapping: m, llmCalls: 1, costUsd: 0.001 };
    },
  });
  assert.ok(seen.length > 0);
  assert.ok(seen.every((s) => s === 'low'));
  assert.equal(r.stats.llmCalls, seen.length);
});

test('the file store keeps only the newest results', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'daglens-jobs-'));
  try {
    const store = new FileJobStore(tmp, 2);
    for (const k of ['a', 'b', 'c']) {
      await runMappingJob(k, ingestDag(text), units, { store });
      await new Promise((r) => setTimeout(r, 20)); // distinct mtimes
    }
    assert.deepEqual(
      readdirSync(tmp)
        .filter((f) => f.endsWith('.result.json'))
        .sort(),
      ['b.result.json', 'c.result.json'],
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
