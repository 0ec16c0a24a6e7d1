/**
 * Lineage for one workspace: listens to the Workspace's file events, extracts per file (SQL statements,
 * dbt models/snapshots, PySpark and Scala Spark functions, Airflow tasks) and assembles the graph lazily on the
 * first query after a change. API for other features (DAG mapping, LSP, CLI, LLM context):
 *
 *   extractSql(text, opts)            ./sql/extract — tables read/written by one SQL text, with offsets
 *   sqlTableReferences(text)          the same per statement, with 0-based line/character spans
 *   lineage.graph()                   the assembled LineageGraph (./graph): writersOf / readersOf / impact
 *   lineage.resolve(nameOrId)         an asset from what a user typed (`db.t`, `t`, dbt model name, path)
 *   lineage.writersOf(name) / readersOf(name)
 *   lineage.processesIn(file)         processes of a file, each with reads/writes and their locations
 *   lineage.assetAt(file, offset)     the asset named at a code position (hover, definition)
 *   lineage.impact(from, direction)   closure from an asset id, `asset.column`, or a process id
 *   lineage.columnsOf(asset) / declarationOf(asset) / setNames(defaults)
 */
import path from 'node:path';
import type { FileEntry, WorkspaceListener } from '../workspace/workspace';
import { parseText, type ParsedFile } from '../parsing/parse';
import type { JinjaBlock } from '../parsing/jinja';
import { silentLogger, errorMessage, type Logger } from '../log';
import { LineageGraph } from './graph';
import { DEFAULT_NAMES, normalizeName, type NameDefaults } from './names';
import { neutralisedText, resolvePlaceholder } from './jinjaSql';
import { LineIndex } from './positions';
import { extractSql, type SqlStatement } from './sql/extract';
import { extractPython, type PyDraft, type PyRef } from './python';
import { extractScala } from './scala';
import {
  callsIn, folderSchema, isUnder, macroCalls, modelAsset, modelConfig, readDbtProject, readDocumentedColumns, readMacros,
  readManifest, readSeeds, readSources, snapshotNames, sourceAsset, type DbtCall, type DbtMacro, type DbtModelInfo, type DbtProject, type DbtSource,
} from './dbt';
import type { Asset, AssetRef, ColumnLineage, ImpactHit, Location, Process } from './model';
import type { Span } from '../types';

export { extractSql } from './sql/extract';

export interface SqlTableReference {
  /** Normalised name (or the path, for files). */
  name: string;
  kind: 'table' | 'file';
  role: 'read' | 'write';
  span: Span;
  dynamic?: boolean;
}

/** Tables (and files) each statement of a SQL text reads and writes, with exact spans (Jinja neutralised first). */
export function sqlTableReferences(text: string, names?: Partial<NameDefaults>): Array<{ verb: string; span: Span; refs: SqlTableReference[]; partial: string[] }> {
  const lines = new LineIndex(text);
  const parsed = parseText('sql', text);
  const statements = extractSql(parsed.jinja.length ? neutralisedText({ text, jinja: parsed.jinja }) : text, { names: { ...DEFAULT_NAMES, ...names } });
  return statements.map((st) => ({
    verb: st.verb,
    span: lines.span(st.start, st.end),
    partial: st.partial,
    refs: [...st.reads.map((r) => ({ r, role: 'read' as const })), ...st.writes.map((r) => ({ r, role: 'write' as const }))]
      .sort((a, b) => a.r.start - b.r.start)
      .map(({ r, role }) => {
        // A dbt placeholder stands for its ref()/source(): report the model or `source.table` it names.
        const block = /^__dbt(\d+)_/.test(r.raw) ? parsed.jinja[Number(/^__dbt(\d+)_/.exec(r.raw)![1])] : undefined;
        const call = block ? callsIn([block])[0] : undefined;
        const name = !block ? r.name : call ? normalizeName(call.kind === 'ref' ? call.args[call.args.length - 1] : call.args.join('.'), { ...DEFAULT_NAMES, ...names }) : `{{ ${block.inner} }}`;
        return { name, kind: r.kind, role, span: lines.span(r.start, r.end), ...(r.dynamic || (block && !call) ? { dynamic: true } : {}) };
      }),
  }));
}
export type { SqlStatement, SqlTableRef } from './sql/extract';
export { LineageGraph } from './graph';
export * from './model';

interface SqlRecord {
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
interface PyRecord {
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

interface YamlRecord {
  kind: 'yaml';
  path: string;
  text: string;
}

type FileRecord = SqlRecord | PyRecord | YamlRecord;

export interface LineageOptions {
  names?: Partial<NameDefaults>;
  log?: Logger;
}

export class Lineage implements WorkspaceListener {
  private readonly files = new Map<string, FileRecord>();
  private built?: LineageGraph;
  private lastGood?: LineageGraph;
  private names: NameDefaults;
  private readonly log: Logger;
  /** Known columns per table (DDL, dbt YAML), and its version (bumped when it changes). */
  private catalog = new Map<string, string[]>();
  private catalogVersion = 0;
  /** Columns computed by dbt models' SQL, by model name (YAML and DDL take precedence). */
  private readonly derived = new Map<string, string[]>();
  /** dbt sources of the last build, by id (for declarationOf). */
  private sources = new Map<string, DbtSource>();

  constructor(readonly root: string, opts: LineageOptions = {}) {
    this.names = { ...DEFAULT_NAMES, ...opts.names };
    this.log = opts.log ?? silentLogger;
  }

  // ── workspace events ─────────────────────────────────────────────────────────────────────────────

  fileChanged(entry: FileEntry, text: string, parsed: ParsedFile): void {
    this.built = undefined;
    if (entry.lang === 'sql') {
      this.files.set(entry.path, {
        kind: 'sql', path: entry.path, rel: entry.rel, lines: new LineIndex(text), text, jinja: parsed.jinja,
        unterminated: parsed.jinja.some((b) => b.end >= text.length && !/(\}\}|%\}|#\})\s*$/.test(text)),
        statements: [], catalog: this.catalogVersion,
      });
      const rec = this.files.get(entry.path) as SqlRecord;
      rec.statements = this.extract(rec);
    } else if (entry.lang === 'python') {
      const { drafts, dbtModel } = extractPython(parsed.tree.rootNode, this.names);
      this.files.set(entry.path, { kind: 'python', lang: 'python', path: entry.path, rel: entry.rel, text, lines: new LineIndex(text), drafts, dbtModel });
    } else if (entry.lang === 'scala') {
      const drafts = extractScala(parsed.tree.rootNode, this.names);
      this.files.set(entry.path, { kind: 'python', lang: 'scala', path: entry.path, rel: entry.rel, text, lines: new LineIndex(text), drafts, dbtModel: false });
    } else if (entry.lang === 'yaml' && (/dbt_project\.ya?ml$/.test(entry.path) || /^\s*(sources|models)\s*:/m.test(text))) {
      this.files.set(entry.path, { kind: 'yaml', path: entry.path, text });
    } else {
      this.files.delete(entry.path);
    }
  }

  fileRemoved(absPath: string): void {
    if (this.files.delete(absPath)) this.built = undefined;
  }

  /** New default catalog/schema: every file is read again (names are normalised at extraction). */
  setNames(names: Partial<NameDefaults>): void {
    const next = { ...DEFAULT_NAMES, ...names };
    if (next.defaultCatalog === this.names.defaultCatalog && next.defaultSchema === this.names.defaultSchema) return;
    this.names = next;
    this.built = undefined;
    for (const r of this.files.values()) {
      try {
        if (r.kind === 'sql') r.statements = this.extract(r);
        else if (r.kind === 'python' && r.lang === 'scala') r.drafts = extractScala(parseText('scala', r.text).tree.rootNode, this.names);
        else if (r.kind === 'python') {
          const { drafts, dbtModel } = extractPython(parseText('python', r.text).tree.rootNode, this.names);
          r.drafts = drafts;
          r.dbtModel = dbtModel;
        }
      } catch (e) {
        this.log.warn(`lineage: re-reading ${r.path} failed: ${errorMessage(e)}`);
      }
    }
  }

  // ── queries ──────────────────────────────────────────────────────────────────────────────────────

  graph(): LineageGraph {
    if (!this.built) {
      const started = Date.now();
      try {
        this.built = this.build();
        // dbt chains of `select *`: a model's computed output columns are the schema of what refs it.
        // Each round can only add columns downstream, so a few rounds settle any realistic chain.
        for (let round = 0; round < 8 && this.learnModelColumns(this.built); round++) this.built = this.build();
      } catch (e) {
        // Our bug on some input: keep serving the last good graph rather than failing every request.
        this.log.error(`lineage: building the graph failed: ${errorMessage(e)}`);
        this.built = this.lastGood ?? new LineageGraph([]);
      }
      this.lastGood = this.built;
      this.log.info(`lineage: ${this.built.processes.size} processes, ${this.built.assets.size} assets in ${Date.now() - started} ms`);
    }
    return this.built;
  }

  /** The asset a user means: an exact id, a normalised table name, a dbt model/source name, a file path. */
  resolve(nameOrId: string): Asset | undefined {
    const g = this.graph();
    const exact = g.assets.get(nameOrId);
    if (exact) return exact;
    const norm = normalizeName(nameOrId, this.names);
    const candidates = [...g.assets.values()];
    return g.assets.get(norm)
      ?? candidates.find((a) => a.relation === norm)
      ?? candidates.find((a) => a.kind === 'dbt_model' && a.name === nameOrId)
      ?? candidates.find((a) => a.kind === 'dbt_source' && a.name === nameOrId)
      ?? candidates.find((a) => a.kind === 'file' && (a.name === nameOrId || a.name.endsWith('/' + nameOrId)))
      ?? candidates.find((a) => (a.kind === 'table' || a.kind === 'view') && a.id.split('.').pop() === norm);
  }

  writersOf(nameOrId: string): Process[] {
    const a = this.resolve(nameOrId);
    return a ? this.graph().writersOf(a.id) : [];
  }

  readersOf(nameOrId: string): Process[] {
    const a = this.resolve(nameOrId);
    return a ? this.graph().readersOf(a.id) : [];
  }

  processesIn(file: string): Process[] {
    return this.graph().processesIn(path.resolve(this.root, file));
  }

  /** The asset reference under a code position (a table name in SQL, a ref(), a string literal in PySpark). */
  assetAt(file: string, offset: number): { ref: AssetRef; process: Process; role: 'read' | 'write' } | undefined {
    const abs = path.resolve(this.root, file);
    for (const p of this.graph().processesIn(abs)) {
      if (offset < p.span.startOffset || offset > p.span.endOffset) continue;
      for (const [role, refs] of [['write', p.writes], ['read', p.reads]] as const) {
        const hit = refs.find((r) => r.location.file === abs && r.location.span.startOffset <= offset && offset <= r.location.span.endOffset);
        if (hit) return { ref: hit, process: p, role };
      }
    }
    return undefined;
  }

  /** The offset of a 0-based position in a file the lineage knows (0 when it does not). */
  offsetOf(file: string, line: number, character: number): number {
    const r = this.files.get(path.resolve(this.root, file));
    return r && r.kind !== 'yaml' ? r.lines.offset(line, character) : 0;
  }

  /** Where an asset is declared without being written by code: a dbt source's entry in its YAML. */
  declarationOf(assetId: string): Location | undefined {
    this.graph();
    const s = this.sources.get(assetId);
    const y = s ? this.files.get(s.file) : undefined;
    if (!s || !y || y.kind !== 'yaml') return undefined;
    const src = new RegExp(`name:\\s*['"]?${escapeRe(s.source)}['"]?\\s*$`, 'm').exec(y.text);
    const from = src ? src.index : 0;
    const tbl = new RegExp(`name:\\s*['"]?${escapeRe(s.table)}['"]?\\s*$`, 'm').exec(y.text.slice(from));
    const start = tbl ? from + tbl.index : from;
    const lines = new LineIndex(y.text);
    return { file: y.path, span: lines.span(start, start + (tbl?.[0].length ?? 0)) };
  }

  /** Known columns of an asset (DDL, dbt YAML, or the output columns of the process that writes it). */
  columnsOf(assetId: string): string[] {
    const a = this.graph().assets.get(assetId);
    const fromCatalog = this.catalog.get(assetId) ?? (a?.relation ? this.catalog.get(a.relation) : undefined);
    if (fromCatalog) return fromCatalog;
    for (const p of this.graph().writersOf(assetId)) {
      const cols = p.columns.map((c) => c.name).filter((n) => n !== '*');
      if (cols.length) return cols;
    }
    return [];
  }

  /**
   * Downstream (or upstream) closure. `from` is an asset id or name, `asset.column` / `asset#column` for
   * column lineage, or a process id for "what does this code location affect".
   */
  impact(from: string, direction: 'downstream' | 'upstream' = 'downstream'): ImpactResult {
    const g = this.graph();
    if (g.processes.has(from)) return { kind: 'process', start: from, hits: g.impactOfProcess(from, direction) };
    const asset = this.resolve(from);
    if (asset) return { kind: 'asset', start: asset.id, hits: g.impact(asset.id, direction) };
    const cut = from.includes('#') ? from.lastIndexOf('#') : from.lastIndexOf('.');
    if (cut > 0) {
      const table = this.resolve(from.slice(0, cut));
      if (table) {
        const column = from.slice(cut + 1).toLowerCase();
        return { kind: 'column', start: `${table.id}.${column}`, columnHits: g.columnImpact(table.id, column, direction), hits: [] };
      }
    }
    return { kind: 'unknown', start: from, hits: [] };
  }

  // ── assembly ─────────────────────────────────────────────────────────────────────────────────────

  /** Statements of a SQL file; `*` over a ref()/source() expands with the columns its YAML documents. */
  private extract(r: SqlRecord): SqlStatement[] {
    const schemaOf = (t: string): string[] | undefined => {
      const direct = this.catalog.get(t);
      if (direct) return direct;
      const m = /^__dbt(\d+)_/.exec(t);
      const block = m ? r.jinja[Number(m[1])] : undefined;
      const call = block ? callsIn([block])[0] : undefined;
      if (!call) return undefined;
      return call.kind === 'ref' ? this.catalog.get(normalizeName(call.args[call.args.length - 1], this.names)) : this.catalog.get(normalizeName(call.args.join('.'), this.names));
    };
    return extractSql(r.jinja.length ? neutralisedText(r) : r.text, { names: this.names, schemaOf });
  }

  private build(): LineageGraph {
    const records = [...this.files.values()];
    const yaml = records.filter((r): r is YamlRecord => r.kind === 'yaml');
    const sqls = records.filter((r): r is SqlRecord => r.kind === 'sql');
    const pys = records.filter((r): r is PyRecord => r.kind === 'python');
    this.refreshCatalog(sqls, yaml);

    const projects = yaml.filter((y) => /dbt_project\.ya?ml$/.test(y.path)).map((y) => readDbtProject(y.path, y.text)).filter((p): p is DbtProject => !!p);
    const projectOf = (file: string) => projects.filter((p) => isUnder(file, p.root)).sort((a, b) => b.root.length - a.root.length)[0];
    const isModelFile = (p: DbtProject, file: string) => p.modelPaths.some((m) => isUnder(file, path.join(p.root, m)));
    const isMacroFile = (p: DbtProject, file: string) => p.macroPaths.some((m) => isUnder(file, path.join(p.root, m)));

    // dbt: macros, sources, models (manifest first).
    const macros = new Map<DbtProject, Map<string, DbtMacro>>();
    const sources = new Map<string, DbtSource>(); // "project\0source.table" → source
    const models = new Map<string, DbtModelInfo>(); // "project\0name" → model
    for (const p of projects) {
      const ms = new Map<string, DbtMacro>();
      for (const s of sqls) if (isMacroFile(p, s.path)) for (const m of readMacros(s.path, s.text, s.jinja)) ms.set(m.name, m);
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
      for (const seed of readSeeds(p, this.names)) if (!models.has(`${p.name}\u0000${seed.name}`)) models.set(`${p.name}\u0000${seed.name}`, seed);
      for (const s of sqls) {
        if (!p.snapshotPaths.some((d) => isUnder(s.path, path.join(p.root, d)))) continue;
        for (const name of snapshotNames(s.jinja)) {
          models.set(`${p.name}\u0000${name}`, { id: `snapshot.${p.name}.${name}`, name, file: s.path, kind: 'dbt_snapshot', relation: normalizeName(name, this.names) });
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
    const tableAsset = (name: string, kind: 'table' | 'view' = 'table'): Asset => byRelation.get(name) ?? { id: name, kind, name };

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
    const loc = (r: { path: string; lines: LineIndex }, start: number, end: number) => ({ file: r.path, span: r.lines.span(start, end) });

    for (const s of sqls) {
      const p = projectOf(s.path);
      if (p && isMacroFile(p, s.path)) continue;
      const model = modelByFile.get(s.path);
      if (model && p) processes.push(this.dbtSqlProcess(s, p, model, macros.get(p)!, resolveCall, tableAsset, uniqueId, loc));
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
        if (d.sqlFiles) for (const f of d.sqlFiles) {
          const target = this.findSqlFile(r.path, f.path, sqlByPath, d.searchPaths ?? []);
          if (!target) { d.partial.push(`SQL file '${f.path}' not found in the workspace`); continue; }
          for (const st of target.statements) {
            reads.push(...st.reads.map((x) => ({ asset: x.kind === 'file' ? fileAsset(x.name) : tableAsset(x.name), location: loc(target, x.start, x.end) })));
            writes.push(...st.writes.map((x) => ({ asset: x.kind === 'file' ? fileAsset(x.name) : tableAsset(x.name), location: loc(target, x.start, x.end) })));
          }
        }
        if (d.dbtModel && model) writes.push({ asset: modelAsset(model), location: loc(r, d.start, d.nameEnd ?? d.start) });
        const span = r.lines.span(d.start, d.end);
        if (d.dbtModel) d.partial = d.partial.filter((w) => !/\{(dbt\.)?this\}/.test(w));
        processes.push({
          id: uniqueId(r.rel, d.symbol, span.start.line), kind: d.kind, file: r.path, symbol: d.symbol, span, reads, writes,
          columns: [], partial: d.partial, ...(d.upstream ? { upstream: d.upstream } : {}),
          ...(flows.size && !d.sqlFiles?.length ? { flows: [...flows].map(([to, from]) => ({ to, from: [...from] })) } : {}),
        });
      }
      // Airflow dependencies name tasks; turn task ids into process ids within the file.
      const byTask = new Map(processes.filter((x) => x.file === r.path && x.kind === 'airflow_task').map((x) => [x.symbol, x.id]));
      for (const x of processes) if (x.file === r.path && x.upstream) x.upstream = x.upstream.map((u) => byTask.get(u) ?? u);
    }
    this.sources = new Map([...sources.values()].map((x) => [x.id, x]));
    const extra: Asset[] = [...models.values()].map(modelAsset).concat([...sources.values()].map(sourceAsset));
    return new LineageGraph(processes, extra);
  }

  private sqlProcess(
    s: SqlRecord, st: SqlStatement, tableAsset: (n: string, k?: 'table' | 'view') => Asset,
    uniqueId: (rel: string, symbol: string, line: number) => string, loc: (r: SqlRecord, a: number, b: number) => AssetRef['location'],
  ): Process {
    const isView = /VIEW/.test(st.verb);
    const writes = st.writes.map((w) => ({ asset: w.kind === 'file' ? fileAsset(w.name) : tableAsset(w.name, isView ? 'view' : 'table'), location: loc(s, w.start, w.end), ...(w.dynamic ? { dynamic: true } : {}) }));
    const reads = st.reads.map((r) => ({ asset: r.kind === 'file' ? fileAsset(r.name) : tableAsset(r.name), location: loc(s, r.start, r.end), ...(r.dynamic ? { dynamic: true } : {}) }));
    const partial = [...st.partial];
    if (s.unterminated) partial.push(UNTERMINATED);
    for (const r of [...reads, ...writes]) if (r.dynamic) partial.push(`dynamic name '${r.asset.name}': only partly known`);
    if (s.jinja.length) {
      // Jinja in table position outside a dbt model (e.g. an Airflow template): the name is not static.
      for (const r of [...st.reads, ...st.writes]) if (/^__dbt/.test(r.raw)) partial.push(`Jinja expression in table position at offset ${r.start} cannot be resolved statically`);
    }
    const symbol = st.writes[0] ? `${st.verb} ${st.writes[0].raw}` : st.verb;
    const span = s.lines.span(st.start, st.end);
    const columnsOf = writes[0]?.asset.id;
    return {
      id: uniqueId(s.rel, symbol, span.start.line), kind: 'sql_statement', file: s.path, symbol, span,
      reads: reads.filter((r) => !/^__dbt/.test(r.asset.id)), writes: writes.filter((w) => !/^__dbt/.test(w.asset.id)),
      columns: st.columns.map((c) => this.column(c, s, (t) => tableAsset(t).id)),
      innerColumns: st.innerColumns.map((c) => this.column(c, s, (t) => tableAsset(t).id)),
      ...(columnsOf ? { columnsOf } : {}), partial: dedupe(partial),
    };
  }

  private dbtSqlProcess(
    s: SqlRecord, p: DbtProject, model: DbtModelInfo, macros: Map<string, DbtMacro>,
    resolveCall: (p: DbtProject | undefined, c: DbtCall) => Asset | undefined, tableAsset: (n: string) => Asset,
    uniqueId: (rel: string, symbol: string, line: number) => string, loc: (r: SqlRecord, a: number, b: number) => AssetRef['location'],
  ): Process {
    const partial: string[] = s.unterminated ? [UNTERMINATED] : [];
    const reads: AssetRef[] = [];
    const calls = [...callsIn(s.jinja), ...macroCalls(s.jinja, macros)];
    const byBlock = new Map<number, string>();
    for (const c of calls) {
      const a = resolveCall(p, c);
      if (!a) { partial.push(`could not resolve ${c.kind}(${c.args.join(', ')})`); continue; }
      reads.push({ asset: a, location: loc(s, c.start, c.end) });
      if (!c.viaMacro) byBlock.set(c.start, a.id);
    }
    const selfBlocks = new Set(s.jinja.filter((b) => /^this\b/.test(b.inner)).map((b) => b.start));
    for (const st of s.statements) {
      partial.push(...st.partial);
      for (const r of st.reads) {
        if (/^__dbt/.test(r.raw)) {
          if (!byBlock.has(r.start) && !selfBlocks.has(r.start)) {
            const block = s.jinja.find((b) => b.start === r.start);
            if (block && !macroCalls([block], macros).length) partial.push(`Jinja '{{ ${block.inner.slice(0, 60)} }}' in table position cannot be resolved statically`);
          }
          continue;
        }
        reads.push({ asset: r.kind === 'file' ? fileAsset(r.name) : tableAsset(r.name), location: loc(s, r.start, r.end) });
      }
    }
    const asset = modelAsset(model);
    const whole = s.lines.span(0, s.text.length);
    const main = s.statements[s.statements.length - 1];
    const assetOf = (t: string) => resolvePlaceholder(t, s.jinja, byBlock) ?? tableAsset(t).id;
    const columns = main ? main.columns.map((c) => this.column(c, s, assetOf)) : [];
    const innerColumns = s.statements.flatMap((st) => st.innerColumns.map((c) => this.column(c, s, assetOf)));
    const dedupReads = reads.filter((r, i) => reads.findIndex((x) => x.asset.id === r.asset.id && x.location.span.startOffset === r.location.span.startOffset) === i);
    return {
      id: uniqueId(s.rel, model.name, 0), kind: 'dbt_model', file: s.path, symbol: model.name, span: whole,
      reads: dedupReads, writes: [{ asset, location: { file: s.path, span: s.lines.span(0, 0) } }],
      columns, innerColumns, columnsOf: asset.id, partial: dedupe(partial),
    };
  }

  private column(c: SqlStatement['columns'][number], s: SqlRecord, assetOf: (table: string) => string): ColumnLineage {
    return {
      name: c.name,
      sources: c.sources.map((x) => ({
        ...(x.table ? { asset: assetOf(x.table) } : {}), column: x.column,
        ...(x.candidates ? { candidates: x.candidates.map(assetOf) } : {}),
      })),
      span: s.lines.span(c.start, c.end),
      ...(c.note ? { note: c.note } : {}),
    };
  }

  private pyRefs(
    r: PyRecord, x: PyRef, p: DbtProject | undefined, resolveCall: (p: DbtProject | undefined, c: DbtCall) => Asset | undefined,
    tableAsset: (n: string) => Asset, loc: (r: PyRecord, a: number, b: number) => AssetRef['location'],
  ): AssetRef[] {
    const location = loc(r, x.start, x.end);
    const dyn = x.dynamic ? { dynamic: true } : {};
    switch (x.kind) {
      case 'table': return [{ asset: tableAsset(normalizeName(x.name, this.names)), location, ...dyn }];
      case 'file': return [{ asset: fileAsset(x.name), location, ...dyn }];
      case 'dataset': return [{ asset: { id: `dataset:${x.name}`, kind: 'dataset', name: x.name }, location, ...dyn }];
      case 'ref':
      case 'source': {
        const a = resolveCall(p, { kind: x.kind, args: x.args ?? [x.name], start: x.start, end: x.end });
        return a ? [{ asset: a, location }] : [];
      }
    }
  }

  private findSqlFile(from: string, rel: string, sqlByPath: Map<string, SqlRecord>, searchPaths: string[]): SqlRecord | undefined {
    const bases = [path.dirname(from), ...searchPaths.map((s) => path.resolve(path.dirname(from), s)), this.root];
    for (const b of bases) {
      const hit = sqlByPath.get(path.resolve(b, rel));
      if (hit) return hit;
    }
    const suffix = '/' + rel.replace(/^\.?\//, '');
    return [...sqlByPath.values()].find((s) => s.path.split(path.sep).join('/').endsWith(suffix));
  }

  /** Columns from DDL and dbt YAML; SQL files with `*` or ambiguous columns are re-read when it changes. */
  /** Output columns of dbt models (where fully known) kept for `*` expansion; true when they changed. */
  private learnModelColumns(g: LineageGraph): boolean {
    let changed = false;
    for (const p of g.processes.values()) {
      if (p.kind !== 'dbt_model' || !p.columns.length || p.columns.some((c) => c.name === '*')) continue;
      const key = normalizeName(p.symbol, this.names);
      const cols = p.columns.map((c) => c.name);
      if (this.derived.get(key)?.join(',') !== cols.join(',')) { this.derived.set(key, cols); changed = true; }
    }
    return changed;
  }

  private refreshCatalog(sqls: SqlRecord[], yaml: YamlRecord[]): void {
    const next = new Map<string, string[]>(this.derived);
    const declared = new Set<string>();
    for (const s of sqls) for (const st of s.statements) if (st.defines && st.verb.startsWith('CREATE')) { next.set(st.defines.table, st.defines.columns); declared.add(st.defines.table); }
    for (const y of yaml) {
      for (const [k, cols] of readDocumentedColumns(y.text)) {
        const key = normalizeName(k, this.names);
        if (!declared.has(key)) { next.set(key, cols); declared.add(key); }
      }
    }
    const same = next.size === this.catalog.size && [...next].every(([k, v]) => this.catalog.get(k)?.join(',') === v.join(','));
    if (same) return;
    this.catalog = next;
    this.catalogVersion++;
    for (const s of sqls) {
      if (s.catalog === this.catalogVersion) continue;
      const needs = s.statements.some((st) => st.columns.some((c) => c.note || c.sources.some((x) => x.candidates)));
      s.catalog = this.catalogVersion;
      if (!needs) continue;
      try {
        s.statements = this.extract(s);
      } catch (e) {
        this.log.warn(`lineage: re-reading ${s.rel} failed: ${errorMessage(e)}`);
      }
    }
  }
}

export interface ImpactResult {
  kind: 'asset' | 'column' | 'process' | 'unknown';
  /** The resolved start (asset id, `asset.column`, process id). */
  start: string;
  hits: ImpactHit[];
  columnHits?: ReturnType<LineageGraph['columnImpact']>;
}

const UNTERMINATED = 'a Jinja block is never closed: the text after it was not read';

function fileAsset(p: string): Asset {
  return { id: `file:${p}`, kind: 'file', name: p };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

