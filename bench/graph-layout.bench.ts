// Graph view layout at realistic sizes: the physical plans of the TPC-DS corpus (../shared/corpora/spark-tpcds,
// spark3 + spark2), read by the DAG ingester, drawn as one graph of N nodes (whole plans until N is reached),
// laid out with the exact ELK options the graph view uses (media/src/graph/layout.ts), in Node on one thread
// (the view runs the same code in a worker). Also: the filter that answers a too-large graph.
//   npm run bench:graph [-- --sizes 200,500,1000,2000]
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphModel, GraphNode } from '@daglens/protocol';
import { ingestDag } from '../server/src/engine/dag/ingest';
import { filterGraph } from '../client/src/webview/graphModel';
import { fromElk, toElk } from '../media/src/graph/layout';
import { requireCorpora } from '../test/helpers';

const sizesArg = process.argv.find((a) => a.startsWith('--sizes='))?.slice(8) ?? process.argv[process.argv.indexOf('--sizes') + 1];
const sizes = (sizesArg && /^[\d,]+$/.test(sizesArg) ? sizesArg : '200,500,1000,2000').split(',').map(Number);

const root = path.join(requireCorpora(), 'spark-tpcds');
const plans: Array<{ name: string; nodes: GraphNode[]; edges: GraphModel['edges'] }> = [];
for (const version of ['spark3', 'spark2']) {
  const dir = path.join(root, version, 'plans');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt')).sort()) {
    const { dag } = ingestDag(readFileSync(path.join(dir, f), 'utf8'), f);
    const p = `${version}/${f}:`;
    plans.push({
      name: p,
      nodes: dag.nodes.map((n) => ({ id: p + n.id, label: n.operator, kind: 'operator', status: 'none', detail: n.label })),
      edges: dag.edges.map(([a, b]) => ({ source: p + a, target: p + b })),
    });
  }
}
const allNodes = plans.reduce((n, p) => n + p.nodes.length, 0);

function graphOf(n: number): GraphModel {
  const g: GraphModel = { title: `${n} nodes`, mode: 'dag', nodes: [], edges: [] };
  for (const p of plans) {
    if (g.nodes.length >= n) break;
    g.nodes.push(...p.nodes);
    g.edges.push(...p.edges);
  }
  return g;
}

async function main(): Promise<void> {
  const elk = new ELK();
  console.log(`graph layout bench — corpus: ${root} (${plans.length} physical plans, ${allNodes} operators)`);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}, ${os.platform()}`);
  console.log('nodes  edges  plans  layout_ms  (ELK layered, options as in the view)');
  for (const size of sizes) {
    const g = graphOf(size);
    const plansUsed = new Set(g.nodes.map((x) => x.id.split(':')[0])).size;
    await elk.layout(toElk(graphOf(20))); // warm the GWT runtime
    const t0 = performance.now();
    const laid = fromElk(await elk.layout(toElk(g)));
    const ms = performance.now() - t0;
    if (laid.nodes.size !== g.nodes.length) throw new Error(`layout lost nodes: ${laid.nodes.size} of ${g.nodes.length}`);
    console.log(`${String(g.nodes.length).padStart(5)}  ${String(g.edges.length).padStart(5)}  ${String(plansUsed).padStart(5)}  ${ms.toFixed(0).padStart(9)}`);
  }
  const whole = graphOf(Infinity);
  const t1 = performance.now();
  const f = filterGraph(whole, 'BroadcastHashJoin', 1);
  console.log(`filter "BroadcastHashJoin" +1 hop over all ${whole.nodes.length} nodes: ${(performance.now() - t1).toFixed(1)} ms → ${f.nodes.length} nodes`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
