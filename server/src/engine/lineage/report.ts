/**
 * Plain-JSON views of the lineage for the CLI and the LSP (files relative to the workspace, 1-based lines).
 * The shapes are the protocol's lineage contracts (server/src/protocol/contracts/lineage.ts, zod only).
 */
import path from 'node:path';
import { toLineRange } from '../types';
import type {
  ImpactResult as ImpactJson,
  LineageColumn,
  LineageProcess,
  LineageRef,
  LineageResult,
} from '../../protocol/contracts';
import type { Lineage, ImpactResult } from './index';
import type { AssetRef, Process } from './model';

const rel = (root: string, f: string) => path.relative(root, f).split(path.sep).join('/');

function refJson(root: string, p: Process, r: AssetRef): LineageRef {
  return {
    asset: r.asset.id,
    line: r.location.span.start.line + 1,
    ...(r.location.file !== p.file ? { file: rel(root, r.location.file) } : {}),
    ...(r.dynamic ? { dynamic: true } : {}),
    ...(r.direct ? { direct: true } : {}),
  };
}

export function processJson(root: string, p: Process): LineageProcess {
  return {
    id: p.id,
    kind: p.kind,
    file: rel(root, p.file),
    symbol: p.symbol,
    ...toLineRange(p.span),
    reads: p.reads.map((r) => refJson(root, p, r)),
    writes: p.writes.map((r) => refJson(root, p, r)),
    partial: p.partial,
    ...(p.upstream?.length ? { upstream: p.upstream } : {}),
    ...(p.unresolvedMacros?.length ? { unresolvedMacros: p.unresolvedMacros } : {}),
    ...(p.flows?.length ? { flows: p.flows } : {}),
  };
}

/** The whole workspace (or only the processes of `files`, with the assets they touch). */
export function lineageJson(l: Lineage, files?: string[]): LineageResult {
  const g = l.graph();
  const wanted = files ? new Set(files.map((f) => path.resolve(l.root, f))) : undefined;
  const procs = [...g.processes.values()]
    .filter((p) => !wanted || wanted.has(p.file))
    .sort((a, b) => a.file.localeCompare(b.file) || a.span.startOffset - b.span.startOffset);
  const touched = new Set(procs.flatMap((p) => [...p.reads, ...p.writes].map((r) => r.asset.id)));
  const assets = [...g.assets.values()]
    .filter((a) => !wanted || touched.has(a.id))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((a) => ({
      id: a.id,
      kind: a.kind,
      name: a.name,
      ...(a.relation ? { relation: a.relation } : {}),
      writers: g
        .writersOf(a.id)
        .map((p) => p.id)
        .sort(),
      readers: g
        .readersOf(a.id)
        .map((p) => p.id)
        .sort(),
    }));
  const columns: LineageColumn[] = procs.flatMap((p) =>
    p.columns.map((c) => ({
      process: p.id,
      ...(p.columnsOf ? { asset: p.columnsOf } : {}),
      column: c.name,
      line: c.span.start.line + 1,
      sources: c.sources,
      ...(c.note ? { note: c.note } : {}),
    })),
  );
  return { assets, processes: procs.map((p) => processJson(l.root, p)), columns };
}

export function impactJson(r: ImpactResult, direction: 'downstream' | 'upstream'): ImpactJson {
  return {
    start: r.start,
    kind: r.kind,
    direction,
    hits: r.hits,
    ...(r.columnHits
      ? {
          columns: r.columnHits.map((h) => ({
            asset: h.asset,
            column: h.column,
            distance: h.distance,
            path: h.path.map((e) => ({
              from: `${e.from.asset}.${e.from.column}`,
              process: e.process,
              to: `${e.to.asset}.${e.to.column}`,
            })),
          })),
        }
      : {}),
  };
}
