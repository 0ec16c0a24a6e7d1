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
import { parseText } from '../parsing/parse';
import type { FileFacts } from '../workspace/analyze';
import { silentLogger, errorMessage, type Logger } from '../log';
import { LineageGraph } from './graph';
import { DEFAULT_NAMES, normalizeName, type NameDefaults } from './names';
import { indexedPlaceholders } from '../sql/jinja';
import { LineIndex } from './positions';
import { extractSql, type SqlStatement } from './sql/extract';
import { extractPython, type PyDraft } from './python';
import { extractScala } from './scala';
import { callsIn, readDocumentedColumns, type DbtSource } from './dbt';
import { Assembly, type FileRecord, type SqlRecord, type YamlRecord } from './assemble';
import type { Asset, AssetRef, ImpactHit, Location, Process } from './model';
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
export function sqlTableReferences(
  text: string,
  names?: Partial<NameDefaults>,
): Array<{ verb: string; span: Span; refs: SqlTableReference[]; partial: string[] }> {
  const lines = new LineIndex(text);
  const parsed = parseText('sql', text);
  const statements = extractSql(parsed.jinja.length ? indexedPlaceholders({ text, jinja: parsed.jinja }) : text, {
    names: { ...DEFAULT_NAMES, ...names },
  });
  return statements.map((st) => ({
    verb: st.verb,
    span: lines.span(st.start, st.end),
    partial: st.partial,
    refs: [
      ...st.reads.map((r) => ({ r, role: 'read' as const })),
      ...st.writes.map((r) => ({ r, role: 'write' as const })),
    ]
      .sort((a, b) => a.r.start - b.r.start)
      .map(({ r, role }) => {
        // A dbt placeholder stands for its ref()/source(): report the model or `source.table` it names.
        const block = /^__dbt(\d+)_/.test(r.raw) ? parsed.jinja[Number(/^__dbt(\d+)_/.exec(r.raw)![1])] : undefined;
        const call = block ? callsIn([block])[0] : undefined;
        const name = !block
          ? r.name
          : call
            ? normalizeName(call.kind === 'ref' ? call.args[call.args.length - 1] : call.args.join('.'), {
                ...DEFAULT_NAMES,
                ...names,
              })
            : `{{ ${block.inner} }}`;
        return {
          name,
          kind: r.kind,
          role,
          span: lines.span(r.start, r.end),
          ...(r.dynamic || (block && !call) ? { dynamic: true } : {}),
        };
      }),
  }));
}
export type { SqlStatement, SqlTableRef } from './sql/extract';
export { LineageGraph } from './graph';
export * from './model';

export interface LineageOptions {
  names?: Partial<NameDefaults>;
  log?: Logger;
}

export class Lineage implements WorkspaceListener {
  private readonly files = new Map<string, FileRecord>();
  private built?: LineageGraph;
  private lastGood?: LineageGraph;
  private onStale?: () => void;
  private inlineUnderMs = 0;
  private quickDepth = 0;
  private lastBuildMs = 0;
  private names: NameDefaults;
  private readonly log: Logger;
  /** Known columns per table (DDL, dbt YAML), and its version (bumped when it changes). */
  private catalog = new Map<string, string[]>();
  private catalogVersion = 0;
  /** Columns computed by dbt models' SQL, by model name (YAML and DDL take precedence). */
  private readonly derived = new Map<string, string[]>();
  /** dbt sources of the last build, by id (for declarationOf). */
  private sources = new Map<string, DbtSource>();

  constructor(
    readonly root: string,
    opts: LineageOptions = {},
  ) {
    this.names = { ...DEFAULT_NAMES, ...opts.names };
    this.log = opts.log ?? silentLogger;
  }

  // ── workspace events ─────────────────────────────────────────────────────────────────────────────

  fileChanged(entry: FileEntry, text: string, facts: FileFacts): void {
    const before = this.files.get(entry.path);
    this.record(entry, text, facts);
    // Code with no data access (most Python of a large workspace) leaves the graph as it is: no rebuild.
    if (shapesGraph(before) || shapesGraph(this.files.get(entry.path))) this.built = undefined;
  }

  private record(entry: FileEntry, text: string, facts: FileFacts): void {
    if (entry.lang === 'sql') {
      this.files.set(entry.path, {
        kind: 'sql',
        path: entry.path,
        rel: entry.rel,
        lines: new LineIndex(text),
        text,
        jinja: facts.jinja,
        unterminated: facts.jinja.some((b) => b.end >= text.length && !/(\}\}|%\}|#\})\s*$/.test(text)),
        statements: [],
        catalog: this.catalogVersion,
      });
      const rec = this.files.get(entry.path) as SqlRecord;
      rec.statements = this.extract(rec);
    } else if (entry.lang === 'python' || entry.lang === 'scala') {
      // The drafts come with the file's one parse; without them (no tree was at hand) parse here.
      const { drafts, dbtModel } = facts.code ?? this.extractCode(entry.lang, text);
      this.files.set(entry.path, {
        kind: 'python',
        lang: entry.lang,
        path: entry.path,
        rel: entry.rel,
        text,
        lines: new LineIndex(text),
        drafts,
        dbtModel,
      });
    } else if (
      entry.lang === 'yaml' &&
      (/dbt_project\.ya?ml$/.test(entry.path) || /^\s*(sources|models)\s*:/m.test(text))
    ) {
      this.files.set(entry.path, { kind: 'yaml', path: entry.path, text });
    } else {
      this.files.delete(entry.path);
    }
  }

  fileRemoved(absPath: string): void {
    const before = this.files.get(absPath);
    if (this.files.delete(absPath) && shapesGraph(before)) this.built = undefined;
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
        else if (r.kind === 'python') Object.assign(r, this.extractCode(r.lang, r.text));
      } catch (e) {
        this.log.warn(`lineage: re-reading ${r.path} failed: ${errorMessage(e)}`);
      }
    }
  }

  private extractCode(lang: 'python' | 'scala', text: string): { drafts: PyDraft[]; dbtModel: boolean } {
    return lang === 'scala'
      ? { drafts: extractScala(parseText('scala', text).tree.rootNode, this.names), dbtModel: false }
      : extractPython(parseText('python', text).tree.rootNode, this.names);
  }

  // ── queries ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Editors: lenses and hovers run through `quick()`, which answers from the last graph built while files
   * change and tells `onStale` so it can rebuild off the request path (`rebuild()`) and refresh what it showed.
   * A graph that built in under `inlineUnderMs` is simply rebuilt. Every other query is always current.
   */
  serveStale(onStale: () => void, inlineUnderMs = 0): void {
    this.onStale = onStale;
    this.inlineUnderMs = inlineUnderMs;
  }

  quick<T>(f: () => T): T {
    this.quickDepth++;
    try {
      return f();
    } finally {
      this.quickDepth--;
    }
  }

  /** Whether files changed since the graph was last built. */
  get stale(): boolean {
    return !this.built;
  }

  /** Builds the graph now if anything changed; returns whether it did. */
  rebuild(): boolean {
    if (this.built) return false;
    this.buildNow();
    return true;
  }

  graph(): LineageGraph {
    if (!this.built && this.quickDepth > 0 && this.onStale && this.lastGood && this.lastBuildMs >= this.inlineUnderMs) {
      this.onStale();
      return this.lastGood;
    }
    return this.built ?? this.buildNow();
  }

  private buildNow(): LineageGraph {
    {
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
      this.builds++;
      this.lastBuildMs = Date.now() - started;
      this.log.info(
        `lineage: ${this.built.processes.size} processes, ${this.built.assets.size} assets in ${Date.now() - started} ms`,
      );
    }
    return this.built;
  }

  /** How many graphs were built so far (a new number: whatever was shown from the lineage may have changed). */
  builds = 0;

  /** The asset a user means: an exact id, a normalised table name, a dbt model/source name, a file path. */
  resolve(nameOrId: string): Asset | undefined {
    const g = this.graph();
    const exact = g.assets.get(nameOrId);
    if (exact) return exact;
    const norm = normalizeName(nameOrId, this.names);
    const candidates = [...g.assets.values()];
    return (
      g.assets.get(norm) ??
      candidates.find((a) => a.relation === norm) ??
      candidates.find((a) => a.kind === 'dbt_model' && a.name === nameOrId) ??
      candidates.find((a) => a.kind === 'dbt_source' && a.name === nameOrId) ??
      candidates.find((a) => a.kind === 'file' && (a.name === nameOrId || a.name.endsWith('/' + nameOrId))) ??
      candidates.find((a) => (a.kind === 'table' || a.kind === 'view') && a.id.split('.').pop() === norm)
    );
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
      for (const [role, refs] of [
        ['write', p.writes],
        ['read', p.reads],
      ] as const) {
        const hit = refs.find(
          (r) =>
            r.location.file === abs && r.location.span.startOffset <= offset && offset <= r.location.span.endOffset,
        );
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

  /**
   * Known columns of an asset: the output columns of the code that writes it, and those DDL or dbt YAML
   * declare (YAML often documents only a few of a model's columns).
   */
  columnsOf(assetId: string): string[] {
    const a = this.graph().assets.get(assetId);
    const declared = this.catalog.get(assetId) ?? (a?.relation ? this.catalog.get(a.relation) : undefined) ?? [];
    const computed =
      this.graph()
        .writersOf(assetId)
        .map((p) => p.columns.map((c) => c.name).filter((n) => n !== '*'))
        .find((cols) => cols.length) ?? [];
    return [...computed, ...declared.filter((c) => !computed.includes(c))];
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
        return {
          kind: 'column',
          start: `${table.id}.${column}`,
          columnHits: g.columnImpact(table.id, column, direction),
          hits: [],
        };
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
      return call.kind === 'ref'
        ? this.catalog.get(normalizeName(call.args[call.args.length - 1], this.names))
        : this.catalog.get(normalizeName(call.args.join('.'), this.names));
    };
    return extractSql(r.jinja.length ? indexedPlaceholders(r) : r.text, { names: this.names, schemaOf });
  }

  /** Columns from DDL and dbt YAML; SQL files with `*` or ambiguous columns are re-read when it changes. */
  private build(): LineageGraph {
    const records = [...this.files.values()];
    this.refreshCatalog(
      records.filter((r): r is SqlRecord => r.kind === 'sql'),
      records.filter((r): r is YamlRecord => r.kind === 'yaml'),
    );
    const { graph, sources } = new Assembly(records, this.root, this.names).build();
    this.sources = sources;
    return graph;
  }

  /** Output columns of dbt models (where fully known) kept for `*` expansion; true when they changed. */
  private learnModelColumns(g: LineageGraph): boolean {
    let changed = false;
    for (const p of g.processes.values()) {
      if (p.kind !== 'dbt_model' || !p.columns.length || p.columns.some((c) => c.name === '*')) continue;
      const key = normalizeName(p.symbol, this.names);
      const cols = p.columns.map((c) => c.name);
      if (this.derived.get(key)?.join(',') !== cols.join(',')) {
        this.derived.set(key, cols);
        changed = true;
      }
    }
    return changed;
  }

  private refreshCatalog(sqls: SqlRecord[], yaml: YamlRecord[]): void {
    const next = new Map<string, string[]>(this.derived);
    const declared = new Set<string>();
    for (const s of sqls)
      for (const st of s.statements)
        if (st.defines && st.verb.startsWith('CREATE')) {
          next.set(st.defines.table, st.defines.columns);
          declared.add(st.defines.table);
        }
    for (const y of yaml) {
      for (const [k, cols] of readDocumentedColumns(y.text)) {
        const key = normalizeName(k, this.names);
        if (declared.has(key)) continue;
        // YAML documents some columns; the model's SQL computes all of them: both, the SQL's order first.
        const computed = this.derived.get(key) ?? [];
        next.set(key, [...computed, ...cols.filter((c) => !computed.includes(c))]);
        declared.add(key);
      }
    }
    const same =
      next.size === this.catalog.size && [...next].every(([k, v]) => this.catalog.get(k)?.join(',') === v.join(','));
    if (same) return;
    this.catalog = next;
    this.catalogVersion++;
    for (const s of sqls) {
      if (s.catalog === this.catalogVersion) continue;
      const needs = s.statements.some((st) =>
        st.columns.some((c) => c.note || c.star || c.sources.some((x) => x.candidates)),
      );
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

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a file's record contributes to the graph (a Python/Scala file without data access does not). */
function shapesGraph(r: FileRecord | undefined): boolean {
  return !!r && (r.kind !== 'python' || r.drafts.length > 0 || r.dbtModel);
}
