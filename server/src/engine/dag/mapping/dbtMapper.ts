/**
 * DAGs whose nodes name their code: dbt manifests (`original_file_path`), dbt graph exports and generic
 * JSON DAGs with a `file`/`path` per node, Airflow task lists. A node maps to its file — a model to its
 * final SELECT, a source to its `- name:` entry in the sources YAML — or, with no file given, to the
 * unit or block carrying its name. A file the workspace does not have is a problem, and the node unmapped.
 */
import type { DagMapLocation, DagMapResult, DagNodeMapping, DagMapProblem } from '../../../protocol/contracts';
import type { DagNode, IngestResult } from '../model';
import { symbolOf, type SourceUnit } from '../source/anchors';
import { HIGH, LOW } from './mapper';
import { DECLARED } from './scores';

export type TextOf = (rel: string) => string | undefined;

const norm = (p: string) => p.replace(/\\/g, '/').replace(/^\.\//, '');

export function mapManifest(ingest: IngestResult, textOf: TextOf, units: SourceUnit[], ms: number): DagMapResult {
  const problems: DagMapProblem[] = [...ingest.problems];
  const byFile = new Map(units.map((u) => [u.file, u]));
  const mappings: DagNodeMapping[] = ingest.dag.nodes.map((n) => {
    const best = locate(n, textOf, byFile, units, problems);
    const status = !best ? 'unmapped' : best.confidence >= HIGH ? 'high' : best.confidence >= LOW ? 'low' : 'unmapped';
    return { nodeId: n.id, status, best: status === 'unmapped' ? null : best, alternatives: [] };
  });
  return {
    dag: {
      kind: ingest.dag.kind,
      nodes: ingest.dag.nodes.map((n) => ({ id: n.id, operator: n.operator, label: n.label, line: n.line })),
      edges: ingest.dag.edges,
    },
    mappings,
    stats: { ms: Math.round(ms * 10) / 10, llmCalls: 0, costUsd: 0 },
    sources: [],
    problems,
  };
}

/** True when a DAG's nodes carry their files (then it maps by file, not by operator semantics). */
export function namesItsFiles(ingest: IngestResult): boolean {
  return (
    ingest.dag.kind === 'dbt-manifest' ||
    ingest.dag.kind === 'airflow' ||
    (ingest.dag.kind === 'generic' &&
      ingest.dag.nodes.some((n) => n.detail.file || n.detail.path || n.detail.original_file_path))
  );
}

function locate(
  n: DagNode,
  textOf: TextOf,
  byFile: Map<string, SourceUnit>,
  units: SourceUnit[],
  problems: DagMapProblem[],
): DagMapLocation | null {
  const declared = n.detail.original_file_path ?? n.detail.file ?? n.detail.path;
  const name = (n.detail.identifier ?? n.detail.name ?? n.label).toLowerCase();
  if (declared) {
    const file = norm(declared);
    const text = textOf(file);
    if (text === undefined) {
      problems.push({ field: n.id, message: `${file} is not in the workspace; ${n.id} left unmapped` });
      return null;
    }
    const lines = text.split('\n');
    if (n.detail.startLine) {
      // The node says where it is defined (Airflow tasks from the lineage engine).
      const start = Number(n.detail.startLine);
      const end = Math.min(Number(n.detail.endLine ?? start), start + 4);
      const task = n.detail.dag ? `${n.detail.dag}.${n.label}` : n.label;
      const why = `The task ${task} is defined here (from the DAG file's lineage).`;
      return loc(file, task, start, end, DECLARED.taskLines, why);
    }
    if (/\.ya?ml$/i.test(file)) {
      // A source: its `- name:` entry (after the source's own entry when the file lists several).
      const src = (n.detail.source_name ?? n.id.split('.')[2] ?? '').toLowerCase();
      const entry = (want: string, from = 0) =>
        lines.findIndex(
          (l, i) => i >= from && new RegExp(`^\\s*-\\s*name:\\s*['"]?${escape(want)}['"]?\\s*$`, 'i').test(l),
        );
      const srcLine = src ? entry(src) : -1;
      const at = entry(name, Math.max(0, srcLine + 1));
      if (at >= 0) {
        const why = `The node's file lists it as \`- name: ${name}\`${src ? ` under source ${src}` : ''}.`;
        return loc(file, `${src ? `${src}.` : ''}${name}`, at + 1, at + 1, DECLARED.yamlEntry, why);
      }
      const why = `The node names ${file}, but no \`- name: ${name}\` entry was found in it.`;
      return loc(file, name, 1, 1, DECLARED.yamlFileOnly, why);
    }
    const unit = byFile.get(file);
    if (unit) {
      // The model's own SELECT: the last top-level query block.
      const tops = unit.blocks.map((b, i) => ({ b, i })).filter(({ b }) => b.parent === null);
      const main = tops[tops.length - 1];
      if (main) {
        const end = Math.min(main.b.endLine, main.b.startLine + 4);
        const why = `The node names ${file}; this is its final SELECT.`;
        return loc(file, symbolOf(unit, main.i), main.b.startLine, end, DECLARED.modelSelect, why);
      }
    }
    const first = Math.max(
      0,
      lines.findIndex((l) => l.trim() && !/^\s*(--|#|\{#)/.test(l)),
    );
    return loc(file, name, first + 1, first + 1, DECLARED.fileStart, `The node names ${file}.`);
  }
  // No file: a unit (dbt model = file stem) or block carrying the node's name.
  const stems = units.filter((u) => u.unitName.toLowerCase() === name);
  if (stems.length === 1) {
    const why = `${stems[0].file} is the only file named ${name}.`;
    return loc(stems[0].file, stems[0].unitName, 1, 1, DECLARED.onlyFileNamed, why);
  }
  const blocks = units.flatMap((u) =>
    u.blocks.map((b, i) => ({ u, b, i })).filter(({ b }) => b.name?.toLowerCase() === name),
  );
  if (blocks.length >= 1) {
    const { u, b, i } = blocks[0];
    const one = blocks.length === 1;
    const why = `${one ? 'The only' : 'One of ' + blocks.length} code block${one ? '' : 's'} named ${name}.`;
    const end = Math.min(b.endLine, b.startLine + 4);
    const confidence = one ? DECLARED.onlyBlockNamed : DECLARED.oneOfBlocksNamed;
    return loc(u.file, symbolOf(u, i), b.startLine, end, confidence, why);
  }
  return null;
}

function loc(
  file: string,
  symbol: string,
  startLine: number,
  endLine: number,
  confidence: number,
  explanation: string,
): DagMapLocation {
  return { file, symbol, startLine, endLine, confidence, explanation };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
