/**
 * Scoring of the lineage engine against real data (shared by `npm run eval:lineage` and the floor tests):
 *  - TPC-DS: tables each query reads vs the FileScan/Scan nodes of the physical plan Spark printed for it.
 *    Spark's EXPLAIN covers the first statement of a file (query39 on Spark 3 explains its leading SET), so
 *    the first statement is what is compared.
 *  - dbt: model/source → model edges vs dbt-graph.json (derived from the project's committed manifest).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseSettings } from '../server/src/engine/config';
import { Lineage } from '../server/src/engine/lineage';
import { normalizeName, type NameDefaults } from '../server/src/engine/lineage/names';
import { extractSql } from '../server/src/engine/lineage/sql/extract';
import { Workspace } from '../server/src/engine/workspace/workspace';

/** The session the plans were printed in: catalog spark_catalog, database tpcds. */
export const TPCDS_NAMES: NameDefaults = { defaultCatalog: 'spark_catalog', defaultSchema: 'tpcds' };

export interface TpcdsCase {
  version: string;
  query: string;
  sql: string;
  /** The first statement's text (what the plan explains). */
  firstStatement: string;
  truth: Set<string>;
}

export function tpcdsCases(corpora: string): TpcdsCase[] {
  const out: TpcdsCase[] = [];
  for (const version of ['spark3', 'spark2']) {
    const dir = path.join(corpora, 'spark-tpcds', version);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(path.join(dir, 'queries'))
      .filter((x) => x.endsWith('.sql'))
      .sort()) {
      const sql = readFileSync(path.join(dir, 'queries', f), 'utf8');
      const planFile = path.join(dir, 'plans', f.replace(/\.sql$/, '.explain.txt'));
      if (!existsSync(planFile)) continue;
      out.push({
        version,
        query: f.replace(/\.sql$/, ''),
        sql,
        firstStatement: firstStatement(sql),
        truth: planTables(readFileSync(planFile, 'utf8')),
      });
    }
  }
  return out;
}

/** Tables scanned by the physical plan (`FileScan parquet db.t[…]`, `Scan hive db.t`, …), normalised. */
export function planTables(plan: string): Set<string> {
  const at = plan.indexOf('== Physical Plan ==');
  const physical = at < 0 ? '' : plan.slice(at);
  const out = new Set<string>();
  for (const m of physical.matchAll(/\bScan \w+ ([\w.`]+)/g)) out.add(normalizeName(m[1], TPCDS_NAMES));
  for (const m of physical.matchAll(/FileScan \w+ ([\w.`]+)/g)) out.add(normalizeName(m[1], TPCDS_NAMES));
  return out;
}

function firstStatement(sql: string): string {
  const st = extractSql(sql, { names: TPCDS_NAMES })[0];
  return st ? sql.slice(0, st.end) : sql;
}

export function ourTables(c: TpcdsCase): Set<string> {
  const st = extractSql(c.sql, { names: TPCDS_NAMES })[0];
  return new Set((st?.reads ?? []).filter((r) => r.kind === 'table').map((r) => r.name));
}

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

export function score(pairs: Array<{ got: Set<string>; truth: Set<string> }>): Score {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { got, truth } of pairs) {
    for (const g of got) truth.has(g) ? tp++ : fp++;
    for (const t of truth) if (!got.has(t)) fn++;
  }
  return { tp, fp, fn, precision: tp + fp ? tp / (tp + fp) : 1, recall: tp + fn ? tp / (tp + fn) : 1 };
}

/** Lineage of a directory, scanned like the CLI does. */
export async function scanLineage(root: string, names?: Partial<NameDefaults>): Promise<Lineage> {
  const ws = new Workspace(root, parseSettings({}).settings, { info() {}, warn() {}, error() {} });
  const lineage = new Lineage(root, { names });
  ws.listen(lineage);
  await ws.scan();
  return lineage;
}

/** dbt edges [from, to] (dbt unique ids) our lineage finds vs those in dbt-graph.json. */
export async function dbtEdges(project: string): Promise<{ got: Set<string>; truth: Set<string> } | undefined> {
  const graphFile = path.join(project, 'dbt-graph.json');
  if (!existsSync(graphFile)) return undefined;
  const graph = JSON.parse(readFileSync(graphFile, 'utf8')) as { edges: Array<[string, string]> };
  const truth = new Set(graph.edges.map(([a, b]) => `${a} -> ${b}`));
  const lineage = await scanLineage(project);
  const got = new Set<string>();
  for (const p of lineage.graph().processes.values()) {
    if (p.kind !== 'dbt_model') continue;
    for (const w of p.writes)
      for (const r of p.reads) {
        // A relation named directly in SQL is a real read, but not an edge of dbt's own graph.
        if (r.direct) continue;
        if (r.asset.kind === 'dbt_model' || r.asset.kind === 'dbt_source') got.add(`${r.asset.id} -> ${w.asset.id}`);
      }
  }
  return { got, truth };
}
