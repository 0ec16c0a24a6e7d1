/**
 * Temp views of a run: `createOrReplaceTempView("v")` / `CREATE TEMP VIEW v` run as CreateViewCommand
 * executions whose plan names the view and prints its relation (attribute ids, and for files a location).
 * A later scan whose output attributes (or path) are the view's reads that view: it gets the view's name as
 * its table, so it maps to the query's `FROM v`, and the place the view was created becomes its fallback.
 */
import type { RunLocation } from '../../protocol/contracts';
import type { DagNode, IngestResult } from '../dag/model';
import { roleOf } from '../dag/spark/operators';

export interface TempView {
  name: string;
  executionId: number;
  /** Attribute ids (`#160`) the view's relation outputs. */
  attributes: Set<string>;
  /** Their names (a query that reads the view several times renumbers the ids, not the names). */
  columns: Set<string>;
  /** Locations of files it reads, normalised (no scheme, no trailing slash). */
  paths: string[];
  /** Where it was created in code, once the creating execution is located. */
  location?: RunLocation | null;
}

const ATTR = /#(\d+)L?\b/g;
const NAMED_ATTR = /([A-Za-z_]\w*)#\d+L?\b/g;

export function normPath(p: string): string {
  return p
    .trim()
    .replace(/^[a-z][\w+.-]*:\/\/[^/]*/i, '')
    .replace(/^[a-z]+:/i, '')
    .replace(/\/+$/, '');
}

/** Paths a node's text names: `Location: InMemoryFileIndex [p1, p2]`, `[path=…]`, `Location: …[p]`. */
export function pathsOf(n: DagNode): string[] {
  const text = `${n.detail.Location ?? ''} ${n.detail.args ?? ''} ${n.detail.Arguments ?? ''}`;
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:InMemoryFileIndex|CatalogFileIndex|PrunedInMemoryFileIndex)(?:\(\d+ paths?\))?\s*\[([^\]]*)\]/g,
  )) {
    for (const p of m[1].split(',')) if (p.trim() && !p.includes('...')) out.push(normPath(p));
  }
  for (const m of text.matchAll(/\bpath=([^,\]\s]+)/g)) out.push(normPath(m[1]));
  return out;
}

function attributesOf(n: DagNode): { ids: string[]; names: string[] } {
  const text = n.detail.Output ?? n.detail.args ?? n.detail.Arguments ?? '';
  return {
    ids: [...text.matchAll(ATTR)].map((m) => m[1]),
    names: [...text.matchAll(NAMED_ATTR)].map((m) => m[1].toLowerCase()),
  };
}

/** The view a CreateViewCommand execution creates, from its plan. */
export function viewOf(executionId: number, ingest: IngestResult): TempView | undefined {
  // The command itself (Spark 3+ prints it under `Execute CreateViewCommand`), else a line naming it (EXPLAIN text).
  const cmd =
    ingest.dag.nodes.find((n) => n.operator === 'CreateViewCommand' || n.operator === 'CreateTempViewUsing') ??
    ingest.dag.nodes.find((n) => /(CreateViewCommand|CreateTempViewUsing)\s*[`[]/.test(n.label));
  if (!cmd) return undefined;
  const args = cmd.detail.Arguments ?? cmd.detail.args ?? cmd.label;
  const name = /`([^`]+)`/.exec(args)?.[1] ?? /CreateViewCommand\s+([\w.]+)/.exec(args)?.[1];
  if (!name) return undefined;
  const attributes = new Set<string>();
  const columns = new Set<string>();
  const paths: string[] = [];
  for (const n of ingest.dag.nodes) {
    if (n === cmd || /^Execute$/.test(n.operator)) continue;
    const text = `${n.detail.Arguments ?? ''} ${n.detail.Output ?? ''} ${n.detail.args ?? ''}`;
    for (const m of text.matchAll(ATTR)) attributes.add(m[1]);
    for (const m of text.matchAll(NAMED_ATTR)) columns.add(m[1].toLowerCase());
    paths.push(...pathsOf(n));
  }
  return { name: name.split('.').pop()!.toLowerCase(), executionId, attributes, columns, paths };
}

/**
 * Names the scans of an execution that read a known temp view (`detail.table`, `detail.view`); returns
 * node id → view for the ones resolved.
 */
export function resolveViewScans(ingest: IngestResult, views: TempView[], executionId: number): Map<string, TempView> {
  const out = new Map<string, TempView>();
  if (!views.length) return out;
  for (const n of ingest.dag.nodes) {
    if (roleOf(n.operator) !== 'scan') continue;
    const attrs = attributesOf(n);
    const paths = pathsOf(n);
    const folders = paths.map((p) => p.split('/').pop()!.toLowerCase());
    let best: TempView | undefined;
    let bestScore = 0;
    for (const v of views) {
      if (v.executionId >= executionId) continue; // a view exists only after it was created
      const shared = attrs.ids.filter((a) => v.attributes.has(a)).length;
      let score = attrs.ids.length ? shared / attrs.ids.length : 0;
      if (paths.some((p) => v.paths.includes(p))) score = Math.max(score, 0.9);
      // Renumbered columns: the view's column names, read from the folder named like the view.
      else if (attrs.names.length && attrs.names.every((c) => v.columns.has(c)) && folders.includes(v.name))
        score = Math.max(score, 0.8);
      // Later definitions of the same name win a tie (createOrReplaceTempView replaces).
      if (score >= 0.5 && score >= bestScore) {
        best = v;
        bestScore = score;
      }
    }
    if (best) {
      n.detail.view = best.name;
      // The query names the view, not the files or table under it.
      n.detail.table = best.name;
      out.set(n.id, best);
    }
  }
  return out;
}
