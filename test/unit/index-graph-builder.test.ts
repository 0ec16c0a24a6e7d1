import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { CodeIndex } from '../../server/src/engine/index/codeIndex';
import { GraphBuilder } from '../../server/src/engine/index/graphBuilder';
import { HashEmbedder } from '../../server/src/engine/index/hashEmbedder';
import { indexedText } from '../../server/src/engine/index/indexedText';
import { syncIndex, workerScript } from '../../server/src/engine/index/indexer';
import {
  DEFAULT_HNSW,
  ExactVectorIndex,
  hnswBuild,
  HnswVectorIndex,
  loadHnsw,
} from '../../server/src/engine/index/vectorIndex';
import { CORPORA } from '../helpers';

const skip = !loadHnsw() && 'hnswlib-node does not load here';
const logs: string[] = [];
const log = { info: () => {}, warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };

/** Real chunk vectors: every chunk of the shared corpora, embedded by the built-in embedder. */
async function corpusVectors(): Promise<Float32Array[]> {
  const idx = new CodeIndex({ root: CORPORA, log, exactVectors: true });
  await syncIndex(idx, parseSettings({}).settings, log, { workers: 0 });
  const emb = new HashEmbedder();
  const out: Float32Array[] = [];
  for (const f of idx.allFiles())
    for (const c of f.chunks)
      out.push(emb.embedOne(indexedText({ ...c, text: f.text.slice(c.startOffset, c.endOffset) })));
  return out;
}

test(
  'a cold index builds its graph in a worker: the finished graph is HNSW and finds what exact search finds',
  { skip },
  async () => {
    const idx = new CodeIndex({ root: CORPORA, log });
    const r = await syncIndex(idx, parseSettings({}).settings, log, { workers: 1 });
    assert.ok(r.files >= 64, 'enough files for the worker path');
    assert.ok(idx.internals().vectors instanceof HnswVectorIndex, 'the graph from the worker was swapped in');
    assert.equal(idx.internals().vectors.size, r.chunks);
    assert.ok(r.timings.vectorMs > 0, 'the worker reports its insert time');
    const hits = await idx.search('transform_data', { k: 5, mode: 'vector' });
    assert.ok(
      hits.some((h) => h.name === 'transform_data'),
      hits.map((h) => h.name).join(','),
    );
  },
);

test('vectors added and removed while the graph builds: the graph holds exactly the live ones', { skip }, async () => {
  const vecs = await corpusVectors();
  const builder = new GraphBuilder(workerScript()!, 128, { ...DEFAULT_HNSW }, 16);
  const exact = new ExactVectorIndex(128);
  vecs.forEach((v, i) => {
    builder.add(i, v);
    exact.add(i, v);
  });
  for (let i = 0; i < vecs.length; i += 4) {
    builder.remove(i);
    exact.remove(i);
  }
  // While building, searches are answered exactly.
  assert.deepEqual(
    builder.search(vecs[1], 5).map((h) => h.label),
    exact.search(vecs[1], 5).map((h) => h.label),
  );
  const { index } = await builder.finish(log);
  assert.ok(index instanceof HnswVectorIndex, logs.join('\n'));
  assert.equal(index.size, exact.size);
  let agree = 0;
  for (let q = 1; q < vecs.length; q += 37) {
    const truth = new Set(exact.search(vecs[q], 10).map((h) => h.label));
    const got = index.search(vecs[q], 10).map((h) => h.label);
    assert.ok(
      got.every((l) => l % 4 !== 0),
      'a removed label came back',
    );
    agree += got.filter((l) => truth.has(l)).length / truth.size;
  }
  assert.ok(agree / Math.ceil((vecs.length - 1) / 37) > 0.95, `recall ${agree}`);
});

test('when the graph worker dies, every vector stays searchable (exact) and the reason is logged', async () => {
  const vecs = (await corpusVectors()).slice(0, 300);
  const broken = { file: 'throw new Error("no graph for you")', eval: true };
  const builder = new GraphBuilder(broken, 128, { ...DEFAULT_HNSW }, 16);
  vecs.forEach((v, i) => builder.add(i, v));
  logs.length = 0;
  const { index } = await builder.finish(log);
  assert.equal(index.backend, 'exact');
  assert.equal(index.size, 300);
  assert.equal(index.search(vecs[7], 1)[0].label, 7);
  assert.match(logs.join('\n'), /vector graph in a worker failed \(.*no graph for you/);
});

test(
  "the AVX2 build of hnswlib-node and the portable one: same recall, and each reads the other's graph file",
  { skip: hnswBuild() !== 'avx2' && 'no AVX2 build loaded on this machine' },
  async () => {
    const vecs = (await corpusVectors()).slice(0, 800);
    const portable = require('hnswlib-node') as NonNullable<ReturnType<typeof loadHnsw>>;
    const avx2 = loadHnsw()!;
    assert.notEqual(avx2, portable, 'two different binaries');
    const exact = new ExactVectorIndex(128);
    vecs.forEach((v, i) => exact.add(i, v));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-hnsw-builds-'));
    try {
      const recalls: number[] = [];
      for (const [mod, other] of [
        [avx2, portable],
        [portable, avx2],
      ] as const) {
        const built = new HnswVectorIndex(mod, 128, { ...DEFAULT_HNSW }, 16);
        vecs.forEach((v, i) => built.add(i, v));
        const file = path.join(dir, 'g.bin');
        built.save(file);
        const read = await HnswVectorIndex.open(other, 128, { ...DEFAULT_HNSW }, file, vecs.keys());
        let found = 0;
        for (let q = 0; q < vecs.length; q += 20) {
          const truth = new Set(exact.search(vecs[q], 10).map((h) => h.label));
          const a = built.search(vecs[q], 10).map((h) => h.label);
          assert.deepEqual(
            read.search(vecs[q], 10).map((h) => h.label),
            a,
            'the other build reads the same graph',
          );
          found += a.filter((l) => truth.has(l)).length;
        }
        recalls.push(found / (10 * Math.ceil(vecs.length / 20)));
      }
      for (const r of recalls) assert.ok(r > 0.97, `recall ${recalls.join(' / ')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
