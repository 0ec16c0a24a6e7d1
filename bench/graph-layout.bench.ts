// Graph view layout at realistic sizes: the physical plans of the TPC-DS corpus (../shared/corpora/spark-tpcds,
// spark3 + spark2), read by the DAG ingester, drawn as one graph of N nodes (whole plans until N is reached),
// laid out as the graph view does (media/src/graph/layout.ts: both directions tried, the better kept), in Node
// on one thread (the view runs the same code on its page). Targets: 30 nodes ≤ 300 ms, 500 nodes ≤ 1.5 s.
// `--elk` also times ELK layered (the layout the view used before) on the same graphs, for comparison.
// Also: the filter that answers a too-large graph.
//   npm run bench:graph [-- --sizes 30,200,500,1000,2000,5000] [-- --elk]
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphModel, GraphNode } from '@daglens/protocol';
import { ingestDag } from '../server/src/engine/dag/ingest';
import { filterGraph } from '../client/src/webview/graphModel';
import { graphLabel } from '../server/src/shared/dagLabels';
import { bestLayout, NODE_HEIGHT, nodeWidth } from '../media/src/graph/layout';
import { requireCorpora } from '../test/helpers';

const sizesArg =
  process.argv.find((a) => a.startsWith('--sizes='))?.slice(8) ?? process.argv[process.argv.indexOf('--sizes') + 1];
const sizes = (sizesArg && /^[\d,]+$/.test(sizesArg) ? sizesArg : '30,200,500,1000,2000,5000').split(',').map(Number);
const withElk = process.argv.includes('--elk');
const TARGET_MS: Record<number, number> = { 30: 300, 500: 1500 };

const root = path.join(requireCorpora(), 'spark-tpcds');
const plans: Array<{ name: string; nodes: GraphNode[]; edges: GraphModel['edges'] }> = [];
for (const version of ['spark3', 'spark2']) {
  const dir = path.join(root, version, 'plans');
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.txt'))
    .sort()) {
    const { dag } = ingestDag(readFileSync(path.join(dir, f), 'utf8'), f);
    const p = `${version}/${f}:`;
    plans.push({
      name: p,
      nodes: dag.nodes.map((n) => ({
        id: p + n.id,
        label: graphLabel(dag.kind, n),
        kind: 'operator',
        status: 'none',
        detail: n.label,
      })),
      edges: dag.edges.map(([a, b]) => ({ source: p + a, target: p + b })),
    });
  }
}
const allNodes = plans.reduce((n, p) => n + p.nodes.length, 0);

/** Whole plans until n nodes, the last one cut to make exactly n (its edges to nodes left out dropped). */
function graphOf(n: number): GraphModel {
  const g: GraphModel = { title: `${n} nodes`, mode: 'dag', nodes: [], edges: [] };
  for (const p of plans) {
    if (g.nodes.length >= n) break;
    g.nodes.push(...p.nodes.slice(0, n - g.nodes.length));
  }
  const ids = new Set(g.nodes.map((x) => x.id));
  for (const p of plans) for (const e of p.edges) if (ids.has(e.source) && ids.has(e.target)) g.edges.push(e);
  return g;
}

/** A panel beside the editor on a 1400 × 900 window, as in the e2e test. */
const VIEW = { width: 680, height: 700 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function elkMs(g: GraphModel, elk: InstanceType<typeof ELK>): Promise<number> {
  const t0 = performance.now();
  await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '14',
      'elk.layered.spacing.nodeNodeBetweenLayers': '50',
      'elk.edgeRouting': 'POLYLINE',
    },
    children: g.nodes.map((x) => ({ id: x.id, width: nodeWidth(x), height: NODE_HEIGHT })),
    edges: g.edges.map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] })),
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  console.log(`graph layout bench — corpus: ${root} (${plans.length} physical plans, ${allNodes} operators)`);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}, ${os.platform()}, load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `nodes  edges  first_ms  median_ms (5 runs)  direction  target${withElk ? '  elk_first_ms  elk_warm_ms' : ''}`,
  );
  const elk = withElk ? new ELK() : undefined;
  for (const size of sizes) {
    const g = graphOf(size);
    // The first layout in a fresh page pays for JIT warm-up: that is what a user waits for.
    const t0 = performance.now();
    const first = bestLayout(g, VIEW);
    const firstMs = performance.now() - t0;
    if (first.placed.nodes.size !== g.nodes.length)
      throw new Error(`layout lost nodes: ${first.placed.nodes.size} of ${g.nodes.length}`);
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      bestLayout(g, VIEW);
      runs.push(performance.now() - t);
    }
    const target = TARGET_MS[g.nodes.length];
    const verdict =
      target === undefined ? '' : `≤ ${target} ms ${Math.max(firstMs, median(runs)) <= target ? 'met' : 'MISSED'}`;
    let elkCols = '';
    if (elk) {
      const cold = await elkMs(g, elk);
      elkCols = `  ${cold.toFixed(0).padStart(12)}  ${(await elkMs(g, elk)).toFixed(0).padStart(11)}`;
    }
    console.log(
      `${String(g.nodes.length).padStart(5)}  ${String(g.edges.length).padStart(5)}  ${firstMs.toFixed(1).padStart(8)}  ${median(runs).toFixed(1).padStart(18)}  ${first.direction.padStart(9)}  ${verdict}${elkCols}`,
    );
  }
  const whole = graphOf(Infinity);
  const t1 = performance.now();
  const f = filterGraph(whole, 'BroadcastHashJoin', 1);
  console.log(
    `filter "BroadcastHashJoin" +1 hop over all ${whole.nodes.length} nodes: ${(performance.now() - t1).toFixed(1)} ms → ${f.nodes.length} nodes`,
  );
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
