/** Lineage and impact answers drawn as graphs, on the real jaffle-shop dbt project (../shared/corpora). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanLineage } from '../../bench/lineageScore';
import { GraphModelSchema } from '@daglens/protocol';
import { impactJson, lineageJson } from '../../server/src/engine/lineage/report';
import { impactGraph, lineageGraph } from '../../client/src/webview/lineageGraph';
import { requireCorpora } from '../helpers';

const JAFFLE = () => path.join(requireCorpora(), 'dbt', 'jaffle-shop');

test('the lineage of the orders model: its sources upstream, customers downstream, edges in data-flow order', async () => {
  const lineage = await scanLineage(JAFFLE());
  const res = lineageJson(lineage);
  const orders = res.processes.find((p) => p.symbol === 'orders')!;
  assert.ok(orders, 'the orders model is a process');
  const g = lineageGraph(res, { processes: [orders.id] }, 'orders');
  const labels = new Set(g.nodes.map((n) => n.label));
  for (const name of ['stg_orders', 'order_items', 'ecom.raw_orders', 'customers'])
    assert.ok(labels.has(name), `${name} in ${[...labels].join(', ')}`);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  // Every model is one node (its relation's id) that opens its SQL; an edge says the target model reads the source.
  const modelOf = new Map(res.processes.map((p) => [p.writes[0]?.asset ?? p.id, p]));
  for (const e of g.edges) {
    assert.ok(byId.has(e.source) && byId.has(e.target), 'edges join drawn nodes');
    const reader = modelOf.get(e.target)!;
    assert.ok(
      reader.reads.some((r) => r.asset === e.source),
      `${e.target} reads ${e.source}`,
    );
  }
  const focus = g.nodes.filter((n) => n.focus);
  assert.deepEqual(
    focus.map((n) => n.id),
    ['model.jaffle_shop.orders'],
  );
  assert.equal(focus[0]!.location?.file, orders.file);
  assert.equal(focus[0]!.location?.startLine, orders.startLine);
  // Upstream only: nothing that merely consumes orders.
  const up = lineageGraph(res, { processes: [orders.id] }, 'orders', 'upstream');
  assert.ok(!up.nodes.some((n) => n.label === 'customers'));
  assert.ok(up.nodes.some((n) => n.label === 'ecom.raw_orders'));
});

test('a dbt model and the relation it builds are one node: no label drawn twice, no model → itself edge', async () => {
  const lineage = await scanLineage(JAFFLE());
  const res = lineageJson(lineage);
  for (const p of res.processes) {
    const g = lineageGraph(res, { processes: [p.id] }, p.symbol);
    const labels = g.nodes.map((n) => n.label);
    assert.deepEqual(
      labels.filter((l, i) => labels.indexOf(l) !== i),
      [],
      `${p.symbol}: every label once in ${labels.join(', ')}`,
    );
    assert.ok(!g.edges.some((e) => e.source === e.target), p.symbol);
    const self = g.nodes.find((n) => n.label === p.symbol)!;
    assert.equal(self.kind, 'model');
    assert.equal(self.location?.file, p.file, `${p.symbol} opens its SQL`);
  }
  // stg_orders (with its own input) feeds orders and order_items directly, and customers through orders.
  const stg = res.processes.find((p) => p.symbol === 'stg_orders')!;
  const g = lineageGraph(res, { processes: [stg.id] }, 'stg_orders', 'downstream');
  const name = (id: string) => g.nodes.find((n) => n.id === id)!.label;
  assert.deepEqual(g.edges.map((e) => `${name(e.source)} → ${name(e.target)}`).sort(), [
    'ecom.raw_orders → stg_orders',
    'order_items → orders',
    'orders → customers',
    'stg_orders → order_items',
    'stg_orders → orders',
  ]);
});

test("a model's downstream is the models that read it, not its own relation", async () => {
  const lineage = await scanLineage(JAFFLE());
  const g = lineage.graph();
  const names = (symbol: string) =>
    g
      .downstreamOfProcess([...g.processes.values()].find((p) => p.symbol === symbol)!.id)
      .map((h) => g.assets.get(h.asset)!.name)
      .sort();
  assert.deepEqual(names('stg_orders'), ['customers', 'order_items', 'orders']);
  assert.deepEqual(names('customers'), []);
  assert.deepEqual(names('orders'), ['customers']);
});

test('the impact of stg_orders: every downstream asset, reached through the processes on its paths', async () => {
  const lineage = await scanLineage(JAFFLE());
  const res = lineageJson(lineage);
  const start = 'model.jaffle_shop.stg_orders';
  const impact = impactJson(lineage.impact(start, 'downstream'), 'downstream');
  assert.ok(impact.hits.length >= 2, `hits: ${impact.hits.map((h) => h.asset).join(', ')}`);
  const g = impactGraph(impact, res, 'impact of stg_orders');
  const ids = new Set(g.nodes.map((n) => n.id));
  for (const h of impact.hits) assert.ok(ids.has(h.asset), `${h.asset} drawn`);
  assert.ok(g.nodes.find((n) => n.id === start)?.focus);
  // Every hit is reachable from the start along drawn edges.
  const out = new Map<string, string[]>();
  for (const e of g.edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const reach = new Set([start]);
  const queue = [start];
  while (queue.length)
    for (const n of out.get(queue.shift()!) ?? [])
      if (!reach.has(n)) {
        reach.add(n);
        queue.push(n);
      }
  for (const h of impact.hits) assert.ok(reach.has(h.asset), `${h.asset} reachable`);
});

test("the impact of a process (a dbt model's SQL) starts at the process: every node valid for the graph view", async () => {
  const lineage = await scanLineage(JAFFLE());
  const res = lineageJson(lineage);
  const customers = res.processes.find((p) => p.symbol === 'customers')!;
  const impact = impactJson(lineage.impact(customers.id, 'downstream'), 'downstream');
  assert.equal(impact.kind, 'process');
  const g = impactGraph(impact, res, 'impact of customers');
  const parsed = GraphModelSchema.safeParse(g);
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.error.issues.slice(0, 2)));
  // The model and its relation are one node, the focus; nothing reads customers.
  assert.deepEqual(
    g.nodes.map((n) => [n.id, n.focus]),
    [['model.jaffle_shop.customers', true]],
  );
  assert.deepEqual(g.edges, []);
});

test('lineage graphs of every process of a real project are valid for the graph view', async () => {
  const lineage = await scanLineage(JAFFLE());
  const res = lineageJson(lineage);
  for (const p of res.processes) {
    const parsed = GraphModelSchema.safeParse(lineageGraph(res, { processes: [p.id] }, p.symbol));
    assert.ok(parsed.success, `${p.symbol}: ${JSON.stringify(!parsed.success && parsed.error.issues.slice(0, 2))}`);
    const imp = GraphModelSchema.safeParse(
      impactGraph(impactJson(lineage.impact(p.id, 'downstream'), 'downstream'), res, p.symbol),
    );
    assert.ok(imp.success, `impact of ${p.symbol}: ${JSON.stringify(!imp.success && imp.error.issues.slice(0, 2))}`);
  }
});
