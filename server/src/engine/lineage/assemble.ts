/**
 * Assembly of the lineage graph from the per-file extractions: dbt projects (macros, sources, seeds,
 * snapshots, models; the manifest first), relation names unified with dbt nodes, one process per SQL
 * statement / dbt model / Python or Scala unit / Airflow task, with Airflow .sql files and data flows resolved.
 */
import path from 'node:path';
import { resolvePlaceholder, type JinjaBlock } from '../sql/jinja';
import {
  callsIn,
  folderSchema,
  isUnder,
  macroCalls,
  modelAsset,
  modelConfig,
  readDbtProject,
  readMacros,
  readManifest,
  readPackageMacros,
  readSeeds,
  readSources,
  snapshotNames,
  sourceAsset,
  unresolvedMacroCalls,
  type DbtCall,
  type DbtMacro,
  type DbtModelInfo,
  type DbtProject,
  type DbtSource,
} from './dbt';
import { LineageGraph } from './graph';
import type { Asset, AssetRef, ColumnLineage, Process } from './model';
import { normalizeName, type NameDefaults } from './names';
import type { LineIndex } from './positions';
import type { PyDraft, PyRef } from './python';
import type { SqlStatement } from './sql/extract';

/** Whether the Jinja block at `start` stands where a query does: alone in the file, a CTE's or a subquery's body. */
function standsForQuery(s: SqlRecord, start: number): boolean {
  const b = s.jinja.find((x) => x.start === start);
  if (!b) return false;
  const skipComments = (t: string) => t.replace(/\{#[\s\S]*?#\}/g, '').replace(/--[^\n]*/g, '');
  const before = skipComments(s.text.slice(0, b.start));
  const after = skipComments(s.text.slice(b.end));
  return /(^|\(|[%}]\}|;)\s*$/.test(before) && /^\s*($|\)|\{%|;)/.test(after);
}

/** How a dbt model's names resolve to the nodes of its project. */
interface DbtNodes {
  resolveCall: (p: DbtProject | undefined, c: DbtCall) => Asset | undefined;
  tableAsset: (name: string) => Asset;
  /** Models and sources by dbt unique id (`model.shop.orders`), for a manifest's depends_on. */
  byId: Map<string, Asset>;
}

export interface SqlRecord {
  kind: 'sql';
  path: string;
  rel: string;
  lines: LineIndex;
  text: string;
  jinja: JinjaBlock[];
  /** A `{{`/`{%`/`{#` never closed: the rest of the file was blanked by the parser. */
  unterminated: boolean;
  statements: SqlStatement[];
  /** Catalog version the statements were extracted with. */
  catalog: number;
}

/** Python or Scala code: its processes as drafts (see ./python, ./scala). */
export interface PyRecord {
  kind: 'python';
  lang: 'python' | 'scala';
  path: string;
  rel: string;
  text: string;
  lines: LineIndex;
  drafts: PyDraft[];
  /** `def model(dbt, session)`: a dbt Python model. */
  dbtModel: boolean;
}

export interface YamlRecord {
  kind: 'yaml';
  path: string;
  text: string;
}

export type FileRecord = SqlRecord | PyRecord | YamlRecord;

/** One assembly pass over the current records (cheap: the files were parsed and extracted already). */
export class Assembly {
  constructor(
    private readonly records: FileRecord[],
    private readonly root: string,
    private readonly names: NameDefaults,
  ) {}

  build(): { graph: LineageGraph; sources: Map<string, DbtSource> } {
    const records = this.records;
    const yaml = records.filter((r): r is YamlRecord => r.kind === 'yaml');
    const sqls = records.filter((r): r is SqlRecord => r.kind === 'sql');
    const pys = records.filter((r): r is PyRecord => r.kind === 'python');

    const projects = yaml
      .filter((y) => /dbt_project\.ya?ml$/.test(y.path))
      .map((y) => readDbtProject(y.path, y.text))
      .filter((p): p is DbtProject => !!p);
    const projectOf = (file: string) =>
      projects.filter((p) => isUnder(file, p.root)).sort((a, b) => b.root.length - a.root.length)[0];
    const isModelFile = (p: DbtProject, file: string) => p.modelPaths.some((m) => isUnder(file, path.join(p.root, m)));
    const isMacroFile = (p: DbtProject, file: string) => p.macroPaths.some((m) => isUnder(file, path.join(p.root, m)));

    // dbt: macros, sources, models (manifest first).
    const macros = new Map<DbtProject, Map<string, DbtMacro>>();
    const sources = new Map<string, DbtSource>(); // "project\0source.table" → source
    const models = new Map<string, DbtModelInfo>(); // "project\0name" → model
    for (const p of projects) {
      const ms = new Map<string, DbtMacro>();
      for (const s of sqls)
        if (isMacroFile(p, s.path)) for (const m of readMacros(s.path, s.text, s.jinja)) ms.set(m.name, m);
      // Installed packages (`dbt deps`): the project's own macros win over a package's of the same name.
      for (const [k, m] of readPackageMacros(p)) if (!ms.has(k)) ms.set(k, m);
      macros.set(p, ms);
      const manifest = readManifest(p, this.names);
      for (const [k, v] of manifest?.sources ?? []) sources.set(`${p.name}\u0000${k}`, v);
      for (const [k, v] of manifest?.models ?? []) models.set(`${p.name}\u0000${k}`, v);
      for (const y of yaml) {
        if (!isUnder(y.path, p.root)) continue;
        for (const s of readSources(p, y.path, y.text, this.names)) {
          const k = `${p.name}\u0000${s.source}.${s.table}`;
          if (!sources.has(k)) sources.set(k, s);
        }
      }
      for (const seed of readSeeds(p, this.names))
        if (!models.has(`${p.name}\u0000${seed.name}`)) models.set(`${p.name}\u0000${seed.name}`, seed);
      for (const s of sqls) {
        if (!p.snapshotPaths.some((d) => isUnder(s.path, path.join(p.root, d)))) continue;
        for (const name of snapshotNames(s.jinja)) {
          models.set(`${p.name}\u0000${name}`, {
            id: `snapshot.${p.name}.${name}`,
            name,
            file: s.path,
            kind: 'dbt_snapshot',
            relation: normalizeName(name, this.names),
          });
        }
      }
      for (const r of [...sqls, ...pys]) {
        if (!isModelFile(p, r.path) || (r.kind === 'python' && !r.dbtModel)) continue;
        const name = path.basename(r.path).replace(/\.(sql|py)$/i, '');
        const k = `${p.name}\u0000${name}`;
        if (models.has(k)) continue;
        const cfg = r.kind === 'sql' ? modelConfig(r.jinja) : {};
        const schema = cfg.schema ?? folderSchema(p, r.path);
        const relation = normalizeName([schema, cfg.alias ?? name].filter(Boolean).join('.'), this.names);
        models.set(k, { id: `model.${p.name}.${name}`, name, file: r.path, relation });
      }
    }
    const modelByFile = new Map([...models.values()].map((m) => [m.file, m]));
    // A table read by its relation name (`mrt.dim_customer`) is the dbt node that builds it.
    const byRelation = new Map<string, Asset>();
    for (const m of models.values()) byRelation.set(m.relation, modelAsset(m));
    for (const s of sources.values()) if (!byRelation.has(s.relation)) byRelation.set(s.relation, sourceAsset(s));
    const tableAsset = (name: string, kind: 'table' | 'view' = 'table'): Asset =>
      byRelation.get(name) ?? { id: name, kind, name };
    const byId = new Map<string, Asset>();
    for (const m of models.values()) byId.set(m.id, modelAsset(m));
    for (const s of sources.values()) byId.set(s.id, sourceAsset(s));

    const resolveCall = (p: DbtProject | undefined, c: DbtCall): Asset | undefined => {
      if (c.kind === 'ref') {
        const name = c.args[c.args.length - 1];
        const pkg = c.args.length > 1 ? c.args[0] : undefined;
        for (const proj of pkg ? projects.filter((x) => x.name === pkg) : p ? [p, ...projects] : projects) {
          const m = models.get(`${proj.name}\u0000${name}`);
          if (m) return modelAsset(m);
        }
        return { id: `model.${pkg ?? p?.name ?? '?'}.${name}`, kind: 'dbt_model', name };
      }
      const [src, table] = c.args;
      if (!table) return undefined;
      for (const proj of p ? [p, ...projects] : projects) {
        const s = sources.get(`${proj.name}\u0000${src}.${table}`);
        if (s) return sourceAsset(s);
      }
      return { id: `source.${p?.name ?? '?'}.${src}.${table}`, kind: 'dbt_source', name: `${src}.${table}` };
    };

    const processes: Process[] = [];
    const ids = new Set<string>();
    const uniqueId = (rel: string, symbol: string, line: number) => {
      let id = `${rel}#${symbol}@${line + 1}`;
      for (let i = 2; ids.has(id); i++) id = `${rel}#${symbol}@${line + 1}.${i}`;
      ids.add(id);
      return id;
    };
    const loc = (r: { path: string; lines: LineIndex }, start: number, end: number) => ({
      file: r.path,
      span: r.lines.span(start, end),
    });

    for (const s of sqls) {
      const p = projectOf(s.path);
      if (p && isMacroFile(p, s.path)) continue;
      const model = modelByFile.get(s.path);
      if (model && p)
        processes.push(
          this.dbtSqlProcess(s, p, model, macros.get(p)!, { resolveCall, tableAsset, byId }, uniqueId, loc),
        );
      else for (const st of s.statements) processes.push(this.sqlProcess(s, st, tableAsset, uniqueId, loc));
    }
    const sqlByPath = new Map(sqls.map((s) => [s.path, s]));
    for (const r of pys) {
      const p = projectOf(r.path);
      const model = modelByFile.get(r.path);
      for (const d of r.drafts) {
        // `{this}` in a dbt Python model is the model itself (incremental filters), not an input.
        const isSelf = (x: PyRef) => !!d.dbtModel && /^\{(dbt\.)?this\}$/.test(x.name);
        const readRefs = d.reads.map((x) => (isSelf(x) ? [] : this.pyRefs(r, x, p, resolveCall, tableAsset, loc)));
        const writeRefs = d.writes.map((x) => this.pyRefs(r, x, p, resolveCall, tableAsset, loc));
        const reads = readRefs.flat();
        const writes = writeRefs.flat();
        const flows = new Map<string, Set<string>>();
        // An asset also written where no flow was traced keeps every read as a possible source.
        const traced = new Set((d.flows ?? []).map((f) => f.write));
        const untraced = new Set(writeRefs.flatMap((refs, i) => (traced.has(i) ? [] : refs.map((w) => w.asset.id))));
        for (const f of d.flows ?? []) {
          for (const w of writeRefs[f.write] ?? []) {
            if (untraced.has(w.asset.id)) continue;
            const set = flows.get(w.asset.id) ?? new Set<string>();
            for (const i of f.reads) for (const x of readRefs[i] ?? []) set.add(x.asset.id);
            flows.set(w.asset.id, set);
          }
        }
        if (d.sqlFiles)
          for (const f of d.sqlFiles) {
            const target = this.findSqlFile(r.path, f.path, sqlByPath, d.searchPaths ?? []);
            if (!target) {
              d.partial.push(`SQL file '${f.path}' not found in the workspace`);
              continue;
            }
            for (const st of target.statements) {
              reads.push(
                ...st.reads.map((x) => ({
                  asset: x.kind === 'file' ? fileAsset(x.name) : tableAsset(x.name),
                  location: loc(target, x.start, x.end),
                })),
              );
              writes.push(
                ...st.writes.map((x) => ({
                  asset: x.kind === 'file' ? fileAsset(x.name) : tableAsset(x.name),
                  location: loc(target, x.start, x.end),
                })),
              );
            }
          }
        if (d.dbtModel && model)
          writes.push({ asset: modelAsset(model), location: loc(r, d.start, d.nameEnd ?? d.start) });
        const span = r.lines.span(d.start, d.end);
        if (d.dbtModel) d.partial = d.partial.filter((w) => !/\{(dbt\.)?this\}/.test(w));
        processes.push({
          id: uniqueId(r.rel, d.symbol, span.start.line),
          kind: d.kind,
          file: r.path,
          symbol: d.symbol,
          span,
          reads,
          writes,
          columns: [],
          partial: d.partial,
          ...(d.upstream ? { upstream: d.upstream } : {}),
          ...(d.operator ? { operator: d.operator } : {}),
          ...(flows.size && !d.sqlFiles?.length
            ? { flows: [...flows].map(([to, from]) => ({ to, from: [...from] })) }
            : {}),
        });
      }
      // Airflow dependencies name tasks; turn task ids into process ids within the file.
      const byTask = new Map(
        processes.filter((x) => x.file === r.path && x.kind === 'airflow_task').map((x) => [x.symbol, x.id]),
      );
      for (const x of processes)
        if (x.file === r.path && x.upstream) x.upstream = x.upstream.map((u) => byTask.get(u) ?? u);
    }
    const extra: Asset[] = [...models.values()].map(modelAsset).concat([...sources.values()].map(sourceAsset));
    return { graph: new LineageGraph(processes, extra), sources: new Map([...sources.values()].map((x) => [x.id, x])) };
  }

  sqlProcess(
    s: SqlRecord,
    st: SqlStatement,
    tableAsset: (n: string, k?: 'table' | 'view') => Asset,
    uniqueId: (rel: string, symbol: string, line: number) => string,
    loc: (r: SqlRecord, a: number, b: number) => AssetRef['location'],
  ): Process {
    const isView = /VIEW/.test(st.verb);
    const writes = st.writes.map((w) => ({
      asset: w.kind === 'file' ? fileAsset(w.name) : tableAsset(w.name, isView ? 'view' : 'table'),
      location: loc(s, w.start, w.end),
      ...(w.dynamic ? { dynamic: true } : {}),
    }));
    const reads = st.reads.map((r) => ({
      asset: r.kind === 'file' ? fileAsset(r.name) : tableAsset(r.name),
      location: loc(s, r.start, r.end),
      ...(r.dynamic ? { dynamic: true } : {}),
    }));
    const partial = [...st.partial];
    if (s.unterminated) partial.push(UNTERMINATED);
    for (const r of [...reads, ...writes])
      if (r.dynamic) partial.push(`dynamic name '${r.asset.name}': only partly known`);
    if (s.jinja.length) {
      // Jinja in table position outside a dbt model (e.g. an Airflow template): the name is not static.
      for (const r of [...st.reads, ...st.writes])
        if (/^__dbt/.test(r.raw))
          partial.push(`Jinja expression in table position at offset ${r.start} cannot be resolved statically`);
    }
    const symbol = st.writes[0] ? `${st.verb} ${st.writes[0].raw}` : st.verb;
    const span = s.lines.span(st.start, st.end);
    const columnsOf = writes[0]?.asset.id;
    return {
      id: uniqueId(s.rel, symbol, span.start.line),
      kind: 'sql_statement',
      file: s.path,
      symbol,
      span,
      reads: reads.filter((r) => !/^__dbt/.test(r.asset.id)),
      writes: writes.filter((w) => !/^__dbt/.test(w.asset.id)),
      columns: st.columns.map((c) => this.column(c, s, (t) => tableAsset(t).id)),
      innerColumns: st.innerColumns.map((c) => this.column(c, s, (t) => tableAsset(t).id)),
      ...(columnsOf ? { columnsOf } : {}),
      partial: dedupe(partial),
    };
  }

  dbtSqlProcess(
    s: SqlRecord,
    p: DbtProject,
    model: DbtModelInfo,
    macros: Map<string, DbtMacro>,
    nodes: DbtNodes,
    uniqueId: (rel: string, symbol: string, line: number) => string,
    loc: (r: SqlRecord, a: number, b: number) => AssetRef['location'],
  ): Process {
    const { resolveCall, tableAsset } = nodes;
    const partial: string[] = s.unterminated ? [UNTERMINATED] : [];
    const reads: AssetRef[] = [];
    const calls = [...callsIn(s.jinja), ...macroCalls(s.jinja, macros)];
    const byBlock = new Map<number, string>();
    for (const c of calls) {
      const a = resolveCall(p, c);
      if (!a) {
        partial.push(`could not resolve ${c.kind}(${c.args.join(', ')})`);
        continue;
      }
      reads.push({ asset: a, location: loc(s, c.start, c.end) });
      if (!c.viaMacro) byBlock.set(c.start, a.id);
    }
    // `{% set rel = source(…) %} … from {{ rel }}`: the printed variable is the relation of the call.
    for (const b of s.jinja) {
      const m = b.kind === 'statement' ? /^set\s+(\w+)\s*=/.exec(b.inner) : null;
      const id = m && byBlock.get(b.start);
      if (!m || !id) continue;
      for (const use of s.jinja)
        if (use.kind === 'expression' && use.start > b.start && use.inner.trim() === m[1]) byBlock.set(use.start, id);
    }
    const selfBlocks = new Set(s.jinja.filter((b) => /^this\b/.test(b.inner)).map((b) => b.start));
    // Macros nobody defines, where a table or a whole query stands: they may read tables we cannot see.
    const tablePos = new Set(
      s.statements.flatMap((st) => st.reads.filter((r) => /^__dbt/.test(r.raw)).map((r) => r.start)),
    );
    const unresolved = unresolvedMacroCalls(s.jinja, macros).filter(
      (u) => tablePos.has(u.start) || standsForQuery(s, u.start),
    );
    const unresolvedBlocks = new Set(unresolved.map((u) => s.jinja.findIndex((b) => b.start === u.start)));
    const aboutUnresolved = (msg: string) => [...unresolvedBlocks].some((i) => msg.includes(`__dbt${i}_`));
    for (const st of s.statements) {
      partial.push(...st.partial.filter((m) => !aboutUnresolved(m)));
      for (const r of st.reads) {
        if (/^__dbt/.test(r.raw)) {
          if (!byBlock.has(r.start) && !selfBlocks.has(r.start) && !unresolved.some((u) => u.start === r.start)) {
            const block = s.jinja.find((b) => b.start === r.start);
            if (block && !macroCalls([block], macros).length)
              partial.push(`Jinja '{{ ${block.inner.slice(0, 60)} }}' in table position cannot be resolved statically`);
          }
          continue;
        }
        const a = r.kind === 'file' ? fileAsset(r.name) : tableAsset(r.name);
        // A dbt node named by its relation, not through ref()/source(): dbt's DAG has no such edge.
        const direct = a.kind === 'dbt_model' || a.kind === 'dbt_source' ? { direct: true } : {};
        reads.push({ asset: a, location: loc(s, r.start, r.end), ...direct });
      }
    }
    let unresolvedMacros: string[] | undefined;
    if (unresolved.length && model.dependsOn) {
      // The manifest was compiled with the packages installed: its depends_on holds what those macros refer to.
      const at = loc(s, unresolved[0].start, unresolved[0].start);
      for (const id of model.dependsOn) {
        const a = nodes.byId.get(id);
        if (a && !reads.some((r) => r.asset.id === a.id)) reads.push({ asset: a, location: at });
      }
    } else if (unresolved.length) {
      unresolvedMacros = [...new Set(unresolved.map((u) => u.name))].sort();
      partial.push(
        `calls ${unresolvedMacros.join(', ')}, defined neither in the project nor in an installed package (run \`dbt deps\`, or \`dbt compile\` for target/manifest.json): any tables they read are not shown`,
      );
    }
    const asset = modelAsset(model);
    const whole = s.lines.span(0, s.text.length);
    const main = s.statements[s.statements.length - 1];
    const assetOf = (t: string) => resolvePlaceholder(t, s.jinja, byBlock) ?? tableAsset(t).id;
    const columns = main ? main.columns.map((c) => this.column(c, s, assetOf)) : [];
    const innerColumns = s.statements.flatMap((st) => st.innerColumns.map((c) => this.column(c, s, assetOf)));
    const dedupReads = reads.filter(
      (r, i) =>
        reads.findIndex(
          (x) => x.asset.id === r.asset.id && x.location.span.startOffset === r.location.span.startOffset,
        ) === i,
    );
    return {
      id: uniqueId(s.rel, model.name, 0),
      kind: 'dbt_model',
      file: s.path,
      symbol: model.name,
      span: whole,
      reads: dedupReads,
      writes: [{ asset, location: { file: s.path, span: s.lines.span(0, 0) } }],
      columns,
      innerColumns,
      columnsOf: asset.id,
      partial: dedupe(partial),
      ...(unresolvedMacros ? { unresolvedMacros } : {}),
    };
  }

  column(c: SqlStatement['columns'][number], s: SqlRecord, assetOf: (table: string) => string): ColumnLineage {
    return {
      name: c.name,
      sources: c.sources.map((x) => ({
        ...(x.table ? { asset: assetOf(x.table) } : {}),
        column: x.column,
        ...(x.candidates ? { candidates: x.candidates.map(assetOf) } : {}),
      })),
      span: s.lines.span(c.start, c.end),
      ...(c.note ? { note: c.note } : {}),
    };
  }

  pyRefs(
    r: PyRecord,
    x: PyRef,
    p: DbtProject | undefined,
    resolveCall: (p: DbtProject | undefined, c: DbtCall) => Asset | undefined,
    tableAsset: (n: string) => Asset,
    loc: (r: PyRecord, a: number, b: number) => AssetRef['location'],
  ): AssetRef[] {
    const location = loc(r, x.start, x.end);
    const dyn = x.dynamic ? { dynamic: true } : {};
    switch (x.kind) {
      case 'table':
        return [{ asset: tableAsset(normalizeName(x.name, this.names)), location, ...dyn }];
      case 'file':
        return [{ asset: fileAsset(x.name), location, ...dyn }];
      case 'dataset':
        return [{ asset: { id: `dataset:${x.name}`, kind: 'dataset', name: x.name }, location, ...dyn }];
      case 'ref':
      case 'source': {
        const a = resolveCall(p, { kind: x.kind, args: x.args ?? [x.name], start: x.start, end: x.end });
        return a ? [{ asset: a, location }] : [];
      }
    }
  }

  findSqlFile(
    from: string,
    rel: string,
    sqlByPath: Map<string, SqlRecord>,
    searchPaths: string[],
  ): SqlRecord | undefined {
    const bases = [path.dirname(from), ...searchPaths.map((s) => path.resolve(path.dirname(from), s)), this.root];
    for (const b of bases) {
      const hit = sqlByPath.get(path.resolve(b, rel));
      if (hit) return hit;
    }
    const suffix = '/' + rel.replace(/^\.?\//, '');
    return [...sqlByPath.values()].find((s) => s.path.split(path.sep).join('/').endsWith(suffix));
  }
}

const UNTERMINATED = 'a Jinja block is never closed: the text after it was not read';
function fileAsset(p: string): Asset {
  return { id: `file:${p}`, kind: 'file', name: p };
}
function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}
