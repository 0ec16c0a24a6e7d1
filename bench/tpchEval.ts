/**
 * DAG → code on Spark's TPC-H plans (EXPLAIN FORMATTED) against two real implementations of the queries
 * (../shared/corpora/tpch: SQL inside PySpark strings, and the Scala DataFrame API), per LABELS.md: the workspace
 * is every source file of one implementation; a plan's file is right when the mapper's best source is the labelled
 * query file; a labelled node is right when `best` is in that file, spans at most 5 lines and holds a labelled line.
 * Used by `npm run eval:map` and the floors in test/unit/dagTpch.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ingestDag } from '../server/src/engine/dag/ingest';
import { mapDag } from '../server/src/engine/dag/mapping/mapper';
import type { SourceUnit } from '../server/src/engine/dag/source/anchors';
import { linkUnits } from '../server/src/engine/dag/source/link';
import { buildUnit } from '../server/src/engine/dag/source/units';
import { SCORED_KINDS, scoreNode, type CorpusReport } from './mapEval';

export const TPCH_WORKSPACES = ['pyspark', 'scala'] as const;
export type TpchWorkspace = (typeof TPCH_WORKSPACES)[number];

interface Label {
  planFile: string;
  workspace: string;
  file: string;
  nodes: Array<{ nodeId: string; planLine: number; operator: string; kind: string; lines: number[] }>;
}

function filesUnder(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, root));
    else if (/\.(py|scala|sql)$/.test(name)) out.push(path.relative(root, p).split(path.sep).join('/'));
  }
  return out;
}

export function tpchUnits(tpch: string, ws: TpchWorkspace): SourceUnit[] {
  const root = path.join(tpch, `ws-${ws}`);
  const lang = (f: string) => (f.endsWith('.py') ? 'python' : f.endsWith('.scala') ? 'scala' : 'sql');
  return linkUnits(
    filesUnder(root)
      .map((f) => buildUnit(f, readFileSync(path.join(root, f), 'utf8'), lang(f)))
      .filter((u): u is SourceUnit => !!u),
  );
}

/** `only`: e.g. the odd or even query numbers (floors are checked on both halves). */
export function evaluateTpch(
  tpch: string,
  ws: TpchWorkspace,
  only?: (q: number) => boolean,
  opts: { warm?: boolean } = {},
): CorpusReport {
  const t0 = performance.now();
  const units = tpchUnits(tpch, ws);
  const report: CorpusReport = {
    version: `tpch/${ws}`,
    plans: 0,
    fileTop1: 0,
    nodes: [],
    msPerPlan: [],
    indexMs: performance.now() - t0,
  };
  const dir = path.join(tpch, 'labels', ws);
  for (const lf of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => Number(a.slice(1, -5)) - Number(b.slice(1, -5)))) {
    const q = Number(/^q(\d+)\.json$/.exec(lf)?.[1]);
    if (only && !only(q)) continue;
    const label = JSON.parse(readFileSync(path.join(dir, lf), 'utf8')) as Label;
    const text = readFileSync(path.join(tpch, 'plans', label.planFile), 'utf8');
    if (opts.warm) mapDag(ingestDag(text, label.planFile), units);
    let result = mapDag(ingestDag(text, label.planFile), units);
    let best = Infinity;
    for (let run = 0; run < (opts.warm ? 3 : 1); run++) {
      const started = performance.now();
      result = mapDag(ingestDag(text, label.planFile), units);
      best = Math.min(best, performance.now() - started);
    }
    report.msPerPlan.push(best);
    // A plan with nothing labelled (q6: constant folding left an EmptyRelation) has no code to find: it must name
    // no file at all, which `degenerate` counts; the others count for file top-1.
    if (!label.nodes.length) {
      report.degenerate = report.degenerate ?? { plans: 0, namedNoFile: 0 };
      report.degenerate.plans++;
      if (!result.sources.length && result.mappings.every((m) => m.status === 'unmapped'))
        report.degenerate.namedNoFile++;
      continue;
    }
    report.plans++;
    if (result.sources[0]?.file === label.file) report.fileTop1++;
    for (const ln of label.nodes) {
      if (!(SCORED_KINDS as readonly string[]).includes(ln.kind) || ln.lines.length === 0) continue;
      const idx = result.dag.nodes.findIndex((n) => n.id === ln.nodeId);
      if (idx >= 0 && result.dag.nodes[idx].line !== ln.planLine)
        throw new Error(
          `${lf}: node ${ln.nodeId} is on plan line ${result.dag.nodes[idx].line}, the label says ${ln.planLine}`,
        );
      const m = idx < 0 ? undefined : result.mappings[idx];
      report.nodes.push(scoreNode(label.planFile, ln, m, label.file));
    }
  }
  return report;
}
