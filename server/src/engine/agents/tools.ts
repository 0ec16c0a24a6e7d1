/**
 * The agent tools (issue 13), implemented once over an Engine: map_plan, lineage, impact, search_code,
 * explain_symbol, list_runs, map_run. The MCP server, the CLI (`daglens tool`) and the language server (for
 * VS Code's language-model tools) validate inputs with the schemas of protocol/contracts and call `call()`; the answers
 * are plain JSON matching the output schemas there. Paths in and out are workspace-relative and never leave the
 * workspace (paths.ts); long lists are paged. One instance per adapter session remembers the last mapped plans
 * and runs (for the `daglens://dag/last` resource, for paging runs without reading them again, and for
 * explain_symbol's "what ran here").
 */
import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import type {
  AgentCodeRef,
  AgentToolInput,
  AgentToolName,
  AgentToolOutput,
  AgentToolPreview,
  DagMapResult,
  ExplainSymbolInput,
  ExplainSymbolOutput,
  ImpactToolInput,
  ImpactToolOutput,
  LineageToolInput,
  LineageToolOutput,
  ListRunsInput,
  ListRunsOutput,
  MapPlanInput,
  MapPlanOutput,
  MapRunInput,
  MapRunOutput,
  PageInfo,
  RunExecutionSummary,
  RunsResult,
  SearchCodeInput,
  SearchCodeOutput,
} from '../../protocol/contracts';
import { JobCancelled } from '../dag/jobs';
import type { Engine } from '../engine';
import type { Asset, ImpactHit, Process } from '../lineage/model';
import { LlmError } from '../llm/errors';
import { findSymbol } from '../llm/features/explain';
import { figuresByLine } from '../runs/codeFigures';
import { runtimeArtefact } from '../runs/detect';
import { RunsCancelled, RunsInputError } from '../runs/errors';
import { readRunPath } from '../runs/read';
import { displayName, operatorFigures } from '../runs/service';
import { toLineRange } from '../types';
import { relativePath, ToolInputError, workspacePath } from './paths';
import { findRunFiles } from './runFiles';

export { ToolInputError } from './paths';

/** A tool call was cancelled by its caller. */
export class ToolCancelled extends Error {
  constructor(what: string) {
    super(`${what} was cancelled`);
  }
}

/** Plan files and plan texts larger than this are refused (a whole event log is map_run's). */
const MAX_PLAN_BYTES = 50 * 2 ** 20;
const MAX_CODE_LINES = 80;
/** Mapped plans and runs kept per session (for the resource, paging and explain_symbol). */
const KEEP_PLANS = 8;
const KEEP_RUNS = 4;

interface MappedPlan {
  plan: string;
  result: DagMapResult;
}
interface MappedRun {
  key: string;
  rel: string;
  result: RunsResult;
}

export interface AgentToolsOptions {
  /** True while the search index is still being built: search answers say their hits may be incomplete. */
  indexing?: () => boolean;
}

export function page<T>(
  items: T[],
  offset: number | undefined,
  limit: number | undefined,
  defaultLimit: number,
): { items: T[]; page: PageInfo } {
  const o = Math.min(offset ?? 0, items.length);
  const l = limit ?? defaultLimit;
  const slice = items.slice(o, o + l);
  return {
    items: slice,
    page: {
      offset: o,
      limit: l,
      total: items.length,
      nextOffset: o + slice.length < items.length ? o + slice.length : null,
    },
  };
}

export class AgentTools {
  private readonly plans: MappedPlan[] = [];
  private readonly runs: MappedRun[] = [];

  constructor(
    readonly engine: Engine,
    private readonly opts: AgentToolsOptions = {},
  ) {}

  get root(): string {
    return this.engine.root;
  }

  /** The plan map_plan mapped last (the `daglens://dag/last` resource). */
  get lastDag(): MappedPlan | undefined {
    return this.plans[0];
  }

  /** Runs one tool; `input` must already match the tool's input schema (the adapters parse it). */
  async call<N extends AgentToolName>(
    name: N,
    input: AgentToolInput<N>,
    signal?: AbortSignal,
  ): Promise<AgentToolOutput<N>> {
    const run = async (): Promise<unknown> => {
      switch (name) {
        case 'map_plan':
          return this.mapPlan(input as MapPlanInput, signal);
        case 'lineage':
          return this.lineage(input as LineageToolInput);
        case 'impact':
          return this.impact(input as ImpactToolInput);
        case 'search_code':
          return this.searchCode(input as SearchCodeInput, signal);
        case 'explain_symbol':
          return this.explainSymbol(input as ExplainSymbolInput, signal);
        case 'list_runs':
          return this.listRuns(input as ListRunsInput);
        case 'map_run':
          return this.mapRun(input as MapRunInput, signal);
        default:
          throw new ToolInputError(`unknown tool '${String(name)}'`);
      }
    };
    try {
      return (await run()) as AgentToolOutput<N>;
    } catch (e) {
      if (
        signal?.aborted ||
        e instanceof JobCancelled ||
        e instanceof RunsCancelled ||
        (e instanceof LlmError && e.kind === 'cancelled')
      )
        throw new ToolCancelled(name);
      if (e instanceof RunsInputError) throw new ToolInputError(e.message);
      throw e;
    }
  }

  /** What a call is about to do: a line to show while it runs, and a question to ask first when it would send code to a model. */
  preview<N extends AgentToolName>(name: N, input: Partial<AgentToolInput<N>>): AgentToolPreview {
    const i = input as Record<string, unknown>;
    const str = (k: string) => (typeof i[k] === 'string' ? (i[k] as string) : undefined);
    switch (name) {
      case 'map_plan':
        return { invocationMessage: `Mapping ${str('file') ?? 'a plan'} to code` };
      case 'lineage':
        return { invocationMessage: `Reading the lineage of ${str('name') ?? '…'}` };
      case 'impact':
        return { invocationMessage: `Finding what is ${str('direction') ?? 'downstream'} of ${str('name') ?? '…'}` };
      case 'search_code':
        return { invocationMessage: `Searching the code for "${(str('query') ?? '').slice(0, 60)}"` };
      case 'list_runs':
        return { invocationMessage: 'Looking for Spark runs in the workspace' };
      case 'map_run':
        return { invocationMessage: `Mapping the Spark run ${str('path') ?? ''} to code` };
      case 'explain_symbol': {
        const file = str('file') ?? '';
        const line = typeof i.line === 'number' ? i.line : 1;
        const out: AgentToolPreview = { invocationMessage: `Explaining ${file}:${line}` };
        const llm = this.engine.llm;
        if (llm.state !== 'ready') return out;
        let rel: string;
        try {
          rel = relativePath(this.root, workspacePath(this.root, file, 'file'));
        } catch {
          return out;
        }
        const entry = llm.text.entry(rel);
        const found = entry && findSymbol(entry.symbols, { line: line - 1 });
        if (!found || llm.storedExplanation(rel, { line: line - 1 })) return out;
        const provider = llm.client?.providers[0]?.config.name ?? 'the configured model';
        const r = toLineRange(found.symbol.span);
        out.confirmation = {
          title: 'Send code to a language model?',
          message: `DagLens will send the code of \`${found.name}\` (${rel}:${r.startLine}-${r.endLine}) to ${provider} for a one-paragraph summary.`,
        };
        return out;
      }
      default:
        return { invocationMessage: `Running ${String(name)}` };
    }
  }

  // ── map_plan ────────────────────────────────────────────────────────────────────────────────────────

  async mapPlan(input: MapPlanInput, signal?: AbortSignal): Promise<MapPlanOutput> {
    if ((input.plan === undefined) === (input.file === undefined))
      throw new ToolInputError(
        'give either `plan` (the plan text) or `file` (a workspace-relative path), not both or neither',
      );
    let text: string;
    let label = '(text)';
    let abs: string | undefined;
    if (input.file !== undefined) {
      abs = workspacePath(this.root, input.file, 'file');
      let st;
      try {
        st = statSync(abs);
      } catch {
        throw new ToolInputError(`no such file in the workspace: ${input.file}`);
      }
      if (st.isDirectory()) throw new ToolInputError(`${input.file} is a folder, not a plan file`);
      const run = runtimeArtefact(abs);
      if (run && run.kind !== 'restExecution')
        throw new ToolInputError(`${input.file} is ${run.what}, not one plan: use map_run`);
      if (st.size > MAX_PLAN_BYTES)
        throw new ToolInputError(
          `${input.file} is ${(st.size / 2 ** 20).toFixed(0)} MB: too large for a plan (at most ${MAX_PLAN_BYTES / 2 ** 20} MB)`,
        );
      text = await fs.readFile(abs, 'utf8');
      label = relativePath(this.root, abs);
    } else {
      text = input.plan!;
    }
    const started = performance.now();
    const {
      cached: _c,
      resumed: _r,
      ...offline
    } = await this.engine.dag.map(text, { fileName: abs ? path.basename(abs) : '', filePath: abs, signal });
    let result: DagMapResult = offline;
    // Verdicts the LLM gave earlier apply; an agent's call never spends on verification.
    if (this.engine.llm.state === 'ready') {
      try {
        const { verification: _v, ...verified } = await this.engine.llm.verifyDag(offline, { signal, cacheOnly: true });
        result = verified;
      } catch (e) {
        if (e instanceof LlmError && e.kind === 'cancelled') throw e;
      }
    }
    if (result.dag.nodes.length === 0) {
      const why = result.problems
        .map((p) => `${p.line ? `line ${p.line}: ` : p.field ? `${p.field}: ` : ''}${p.message}`)
        .join('; ');
      throw new ToolInputError(`no plan nodes could be read from ${label}${why ? `: ${why}` : ''}`);
    }
    this.remember(this.plans, { plan: label, result }, (p) => p.plan === label && label !== '(text)', KEEP_PLANS);
    const inputs = new Map<string, string[]>();
    for (const [from, to] of result.dag.edges) {
      const l = inputs.get(to) ?? [];
      l.push(from);
      inputs.set(to, l);
    }
    const nodes = result.dag.nodes.map((n, i) => {
      const m = result.mappings[i];
      return {
        id: n.id,
        operator: n.operator,
        label: n.label,
        line: n.line,
        ...(n.sparkOperator ? { sparkOperator: n.sparkOperator } : {}),
        ...(n.section ? { section: n.section } : {}),
        status: m?.status ?? 'unmapped',
        best: m?.best ?? null,
        alternatives: m?.alternatives ?? [],
        inputs: inputs.get(n.id) ?? [],
      };
    });
    const counts = { high: 0, low: 0, derived: 0, unmapped: 0 };
    for (const n of nodes) counts[n.status]++;
    const p = page(nodes, input.offset, input.limit, 50);
    return {
      plan: label,
      kind: result.dag.kind,
      counts,
      sources: result.sources,
      problems: result.problems,
      nodes: p.items,
      page: p.page,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  // ── lineage and impact ──────────────────────────────────────────────────────────────────────────────

  /** What a name means in the lineage: a process id, an asset, a workspace file, or a column. */
  private resolveName(
    name: string,
  ):
    | { kind: 'process'; process: Process }
    | { kind: 'asset'; asset: Asset }
    | { kind: 'file'; rel: string; processes: Process[] }
    | { kind: 'column'; asset: Asset; column: string } {
    const lineage = this.engine.lineage;
    const g = lineage.graph();
    const proc = g.processes.get(name);
    if (proc) return { kind: 'process', process: proc };
    const asset = lineage.resolve(name);
    if (asset) return { kind: 'asset', asset };
    // A code file of the workspace (a path: refused when it leads outside).
    if (!/^[a-z][\w+.-]*:\/\//i.test(name) && (/[\\/]/.test(name) || /\.\w+$/.test(name))) {
      const abs = workspacePath(this.root, name, 'name');
      if (this.engine.workspace.get(abs))
        return { kind: 'file', rel: relativePath(this.root, abs), processes: g.processesIn(abs) };
    }
    const cut = name.includes('#') ? name.lastIndexOf('#') : name.lastIndexOf('.');
    if (cut > 0) {
      const table = lineage.resolve(name.slice(0, cut));
      if (table) return { kind: 'column', asset: table, column: name.slice(cut + 1).toLowerCase() };
    }
    throw new ToolInputError(
      `no table, column, dbt model, source, workspace file or process named '${name}' in this workspace's lineage${this.suggest(name)}`,
    );
  }

  /** Assets named like `name` (a containing name, or one or two typos away): a hint for the agent's next call. */
  private suggest(name: string): string {
    const want = name.toLowerCase();
    const last = want.split(/[./#]/).filter(Boolean).pop() ?? want;
    if (last.length < 3) return '';
    const near = [...this.engine.lineage.graph().assets.values()]
      .map((a) => {
        const n = a.name.toLowerCase();
        const tail = n.split('.').pop() ?? n;
        const d = Math.min(editDistance(want, n), editDistance(last, tail));
        return { name: a.name, score: n.includes(last) ? 0 : d };
      })
      .filter((x) => x.score <= Math.min(2, Math.floor(last.length / 4)))
      .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
      .slice(0, 5)
      .map((x) => x.name);
    return near.length ? ` (similar: ${[...new Set(near)].join(', ')})` : '';
  }

  private rel(abs: string): string {
    return relativePath(this.root, abs);
  }

  private codeRef(p: Process, assetId?: string, role?: 'read' | 'write'): AgentCodeRef {
    const refs = role === 'write' ? p.writes : role === 'read' ? p.reads : [];
    const ref = refs.find((r) => r.asset.id === assetId);
    const r = toLineRange(p.span);
    return {
      process: p.id,
      kind: p.kind,
      symbol: p.symbol,
      file: this.rel(p.file),
      startLine: r.startLine,
      endLine: r.endLine,
      line: (ref?.location.span.start.line ?? p.span.start.line) + 1,
    };
  }

  /**
   * Where a step of a path happens in code: the line where the process reads the step's `from` (the dependency
   * as written: the FROM, the ref(), the spark.read), else where it writes `to`.
   */
  private stepWhere(step: {
    from: string;
    process: string;
    to: string;
  }): { symbol: string; file: string; line: number } | undefined {
    const p = this.engine.lineage.graph().processes.get(step.process);
    if (!p) return undefined;
    const ref = p.reads.find((r) => r.asset.id === step.from) ?? p.writes.find((w) => w.asset.id === step.to);
    return {
      symbol: p.symbol,
      file: this.rel(ref?.location.file ?? p.file),
      line: (ref?.location.span.start.line ?? p.span.start.line) + 1,
    };
  }

  private assetHit(h: ImpactHit) {
    const a = this.engine.lineage.graph().assets.get(h.asset);
    const last = h.path[h.path.length - 1];
    const where = last ? this.stepWhere(last) : undefined;
    return {
      asset: h.asset,
      name: a?.name ?? h.asset,
      kind: a?.kind ?? 'unknown',
      distance: h.distance,
      via: last && where ? { process: last.process, ...where } : null,
    };
  }

  /** Union of several hit lists: each asset once, at its shortest distance. */
  private merged(lists: ImpactHit[][]): ImpactHit[] {
    const best = new Map<string, ImpactHit>();
    for (const h of lists.flat()) {
      const cur = best.get(h.asset);
      if (!cur || h.distance < cur.distance) best.set(h.asset, h);
    }
    return [...best.values()].sort((a, b) => a.distance - b.distance || a.asset.localeCompare(b.asset));
  }

  lineage(input: LineageToolInput): LineageToolOutput {
    const g = this.engine.lineage.graph();
    const limit = input.limit ?? 50;
    const t = this.resolveName(input.name);
    const cap = <T>(xs: T[]) => xs.slice(0, limit);
    const uses = (procs: Process[], role: 'read' | 'write') =>
      procs.flatMap((p) =>
        (role === 'read' ? p.reads : p.writes).map((r) => ({
          asset: r.asset.id,
          name: r.asset.name,
          kind: r.asset.kind,
          file: this.rel(r.location.file),
          line: r.location.span.start.line + 1,
        })),
      );
    let out: Omit<LineageToolOutput, 'totals'>;
    if (t.kind === 'asset' || t.kind === 'column') {
      const a = t.asset;
      const writers = g
        .writersOf(a.id)
        .sort((x, y) => x.id.localeCompare(y.id))
        .map((p) => this.codeRef(p, a.id, 'write'));
      const readers = g
        .readersOf(a.id)
        .sort((x, y) => x.id.localeCompare(y.id))
        .map((p) => this.codeRef(p, a.id, 'read'));
      const asset = {
        id: a.id,
        kind: a.kind,
        name: a.name,
        ...(a.relation ? { relation: a.relation } : {}),
        columns: this.engine.lineage.columnsOf(a.id),
      };
      const colHits = (dir: 'upstream' | 'downstream') =>
        g.columnImpact(a.id, (t as { column: string }).column, dir).map((h) => ({
          asset: h.asset,
          column: h.column,
          distance: h.distance,
          via: h.path[h.path.length - 1]?.process ?? null,
        }));
      out = {
        name: input.name,
        resolved:
          t.kind === 'asset'
            ? { kind: 'asset', id: a.id, name: a.name }
            : { kind: 'column', id: `${a.id}.${t.column}`, name: `${a.name}.${t.column}` },
        asset,
        writers,
        readers,
        processes: [],
        reads: [],
        writes: [],
        upstream: g.impact(a.id, 'upstream').map((h) => this.assetHit(h)),
        downstream: g.impact(a.id, 'downstream').map((h) => this.assetHit(h)),
        ...(t.kind === 'column'
          ? { columns: { upstream: colHits('upstream'), downstream: colHits('downstream') } }
          : {}),
      };
    } else {
      const procs = t.kind === 'file' ? t.processes : [t.process];
      out = {
        name: input.name,
        resolved:
          t.kind === 'file'
            ? { kind: 'file', id: t.rel, name: t.rel }
            : { kind: 'process', id: t.process.id, name: t.process.symbol },
        writers: [],
        readers: [],
        processes: procs.map((p) => this.codeRef(p)),
        reads: uses(procs, 'read'),
        writes: uses(procs, 'write'),
        upstream: this.merged(procs.map((p) => g.impactOfProcess(p.id, 'upstream'))).map((h) => this.assetHit(h)),
        downstream: this.merged(procs.map((p) => g.impactOfProcess(p.id, 'downstream'))).map((h) => this.assetHit(h)),
      };
    }
    const totals = {
      writers: out.writers.length,
      readers: out.readers.length,
      processes: out.processes.length,
      reads: out.reads.length,
      writes: out.writes.length,
      upstream: out.upstream.length,
      downstream: out.downstream.length,
    };
    return {
      ...out,
      writers: cap(out.writers),
      readers: cap(out.readers),
      processes: cap(out.processes),
      reads: cap(out.reads),
      writes: cap(out.writes),
      upstream: cap(out.upstream),
      downstream: cap(out.downstream),
      ...(out.columns
        ? { columns: { upstream: cap(out.columns.upstream), downstream: cap(out.columns.downstream) } }
        : {}),
      totals,
    };
  }

  impact(input: ImpactToolInput): ImpactToolOutput {
    const g = this.engine.lineage.graph();
    const direction = input.direction ?? 'downstream';
    const t = this.resolveName(input.name);
    const steps = (path: Array<{ from: string; process: string; to: string }>) =>
      path.map((s) => ({ ...s, ...(this.stepWhere(s) ?? {}) }));
    type Hit = ImpactToolOutput['hits'][number];
    let hits: Hit[];
    let start: string;
    if (t.kind === 'column') {
      start = `${t.asset.id}.${t.column}`;
      hits = g.columnImpact(t.asset.id, t.column, direction).map((h) => {
        const a = g.assets.get(h.asset);
        return {
          asset: h.asset,
          name: a?.name ?? h.asset,
          kind: a?.kind ?? 'unknown',
          column: h.column,
          distance: h.distance,
          path: h.path.map((e) => {
            const where = this.stepWhere({ from: e.from.asset, process: e.process, to: e.to.asset });
            return {
              from: `${e.from.asset}.${e.from.column}`,
              process: e.process,
              to: `${e.to.asset}.${e.to.column}`,
              ...(where ?? {}),
            };
          }),
        };
      });
    } else {
      const raw =
        t.kind === 'asset'
          ? g.impact(t.asset.id, direction)
          : this.merged((t.kind === 'file' ? t.processes : [t.process]).map((p) => g.impactOfProcess(p.id, direction)));
      start = t.kind === 'asset' ? t.asset.id : t.kind === 'file' ? t.rel : t.process.id;
      hits = raw.map((h) => {
        const a = g.assets.get(h.asset);
        return {
          asset: h.asset,
          name: a?.name ?? h.asset,
          kind: a?.kind ?? 'unknown',
          distance: h.distance,
          path: steps(h.path),
        };
      });
    }
    const p = page(hits, input.offset, input.limit, 100);
    return { start, kind: t.kind, direction, hits: p.items, page: p.page };
  }

  // ── search_code ─────────────────────────────────────────────────────────────────────────────────────

  async searchCode(input: SearchCodeInput, signal?: AbortSignal): Promise<SearchCodeOutput> {
    if (signal?.aborted) throw new ToolCancelled('search_code');
    const hits = await this.engine.index.search(input.query, {
      k: input.k ?? 10,
      ...(input.language ? { languages: [input.language] } : {}),
      ...(input.glob ? { pathGlob: input.glob } : {}),
    });
    return {
      query: input.query,
      hits: hits.map((h) => ({
        file: h.file,
        language: h.language,
        kind: h.kind,
        name: h.name,
        container: h.container,
        startLine: h.startLine,
        endLine: h.endLine,
        text: h.text,
        score: h.score,
        matchedLines: h.matchedLines,
        via: h.via,
      })),
      indexing: this.opts.indexing?.() ?? false,
    };
  }

  // ── explain_symbol ──────────────────────────────────────────────────────────────────────────────────

  async explainSymbol(input: ExplainSymbolInput, signal?: AbortSignal): Promise<ExplainSymbolOutput> {
    const abs = workspacePath(this.root, input.file, 'file');
    const rel = relativePath(this.root, abs);
    const entry = this.engine.workspace.get(abs);
    if (!entry) {
      let exists = false;
      try {
        exists = statSync(abs).isFile();
      } catch {
        /* missing */
      }
      throw new ToolInputError(
        exists
          ? `${rel} is not a code file DagLens reads (SQL, Python, Scala, Java, TypeScript, YAML)`
          : `no such file in the workspace: ${input.file}`,
      );
    }
    const llm = this.engine.llm;
    const lineCount = llm.text.lineCount(rel) ?? 0;
    if (input.line > Math.max(1, lineCount))
      throw new ToolInputError(`${rel} has ${lineCount} lines; line ${input.line} is past its end`);
    const where = { line: input.line - 1 };
    const found = findSymbol(entry.symbols, where);
    const range = found
      ? toLineRange(found.symbol.span)
      : { startLine: Math.max(1, input.line - 10), endLine: Math.min(lineCount, input.line + 10) };
    const codeEnd = Math.min(range.endLine, range.startLine + MAX_CODE_LINES - 1);
    const code = llm.text.lines(rel, range.startLine, codeEnd) ?? '';
    const overlaps = (a: number, b: number) => a <= range.endLine && b >= range.startLine;

    const g = this.engine.lineage.graph();
    const lineage = g
      .processesIn(abs)
      .filter((p) => {
        const r = toLineRange(p.span);
        return overlaps(r.startLine, r.endLine);
      })
      .map((p) => ({
        process: p.id,
        kind: p.kind,
        symbol: p.symbol,
        ...toLineRange(p.span),
        reads: [...new Set(p.reads.map((r) => r.asset.name))],
        writes: [...new Set(p.writes.map((w) => w.asset.name))],
        downstream: g.impactOfProcess(p.id, 'downstream').length,
        partial: p.partial,
      }));
    const planNodes: ExplainSymbolOutput['planNodes'] = [];
    for (const m of this.plans) {
      m.result.dag.nodes.forEach((n, i) => {
        const b = m.result.mappings[i]?.best;
        const status = m.result.mappings[i]?.status ?? 'unmapped';
        if (b && status !== 'unmapped' && status !== 'derived' && b.file === rel && overlaps(b.startLine, b.endLine))
          planNodes.push({ plan: m.plan, node: n.id, operator: n.operator, status, line: b.startLine });
      });
    }
    const runs: ExplainSymbolOutput['runs'] = [];
    for (const r of this.runs) {
      for (const f of figuresByLine(r.result, rel).values()) {
        if (f.line < range.startLine || f.line > range.endLine) continue;
        runs.push({
          run: r.rel,
          line: f.line,
          timeMs: f.timeMs,
          ...(f.rows !== undefined ? { rows: f.rows } : {}),
          spillBytes: f.spillBytes,
          executions: f.executions.map((e) => e.executionId),
          operators: f.operators.map(
            (o) => `${o.operator}${o.sparkId !== undefined ? ` #${o.sparkId}` : ''} (execution ${o.executionId})`,
          ),
        });
      }
    }

    runs.sort((a, b) => a.line - b.line || a.run.localeCompare(b.run));
    let summary: ExplainSymbolOutput['summary'] = null;
    let summaryNote: string | undefined;
    if (!found) summaryNote = `line ${input.line} is not inside a function, class, model, CTE or statement`;
    else {
      const stored = llm.storedExplanation(rel, where);
      if (stored) summary = { text: stored.summary, model: stored.model, cached: true };
      else if (llm.unavailableReason()) summaryNote = `no LLM summary: ${llm.unavailableReason()}`;
      else {
        try {
          const e = await llm.explain(rel, where, signal);
          summary = { text: e.summary, model: e.model, cached: e.cached };
        } catch (e) {
          if (e instanceof LlmError && e.kind === 'cancelled') throw e;
          summaryNote = `no LLM summary: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
    }
    return {
      file: rel,
      line: input.line,
      language: entry.lang,
      symbol: found ? { name: found.name, kind: found.symbol.kind, ...toLineRange(found.symbol.span) } : null,
      code,
      codeStartLine: range.startLine,
      truncated: codeEnd < range.endLine,
      lineage,
      planNodes,
      runs,
      summary,
      ...(summaryNote ? { summaryNote } : {}),
    };
  }

  // ── runs ────────────────────────────────────────────────────────────────────────────────────────────

  listRuns(input: ListRunsInput): ListRunsOutput {
    const starts = (input.paths?.length ? input.paths : ['.']).map((p) => workspacePath(this.root, p));
    const found = findRunFiles(starts);
    const entries = found.map((f) => {
      const rel = this.rel(f.path);
      const mapped = this.runs.find((r) => r.rel === rel);
      return {
        path: rel,
        kind: f.kind,
        what: f.what,
        bytes: f.bytes,
        modified: new Date(f.mtimeMs).toISOString(),
        mapped: mapped
          ? {
              app: mapped.result.app.id,
              executions: mapped.result.executions.length,
              located: mapped.result.executions.filter((e) => e.location).length,
            }
          : null,
      };
    });
    const p = page(entries, input.offset, input.limit, 100);
    return { runs: p.items, page: p.page };
  }

  async mapRun(input: MapRunInput, signal?: AbortSignal): Promise<MapRunOutput> {
    const started = performance.now();
    const abs = workspacePath(this.root, input.path, 'path');
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new ToolInputError(`no such file or folder in the workspace: ${input.path}`);
    }
    const rel = this.rel(abs);
    const key = `${abs}\0${input.app ?? ''}\0${st.mtimeMs}\0${st.size}`;
    let mapped = this.runs.find((r) => r.key === key);
    if (!mapped) {
      const read = await readRunPath(abs, { app: input.app, signal });
      if (read.kind === 'apps') {
        const ids = read.apps.apps.map((a) => a.id);
        throw new ToolInputError(
          `${rel} holds ${ids.length} applications: give \`app\`, one of ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}`,
        );
      }
      const result = await this.engine.runs.map(read.run, read.source, { signal });
      mapped = { key, rel, result };
      this.remember(this.runs, mapped, (r) => r.rel === rel && r.key !== key, KEEP_RUNS);
    }
    const r = mapped.result;
    const base = {
      path: rel,
      source: { kind: r.source.kind, parts: r.source.parts, inProgress: r.source.inProgress },
      app: r.app,
      skippedLines: r.skippedLines,
      problems: r.problems,
    };
    const summary = ({ result: _r, ...e }: RunsResult['executions'][number]): RunExecutionSummary => e;
    if (input.execution === undefined) {
      const p = page(r.executions.map(summary), input.offset, input.limit, 50);
      return { ...base, executions: p.items, page: p.page, ms: Math.round(performance.now() - started) };
    }
    const e = r.executions.find((x) => x.executionId === input.execution);
    if (!e) {
      const ids = r.executions.map((x) => x.executionId);
      throw new ToolInputError(
        `${rel} has no SQL execution ${input.execution}${ids.length ? ` (it has ${ids[0]}–${ids[ids.length - 1]})` : ' (it has none)'}`,
      );
    }
    const operators = e.result.dag.nodes.map((n, i) => {
      const m = e.result.mappings[i];
      const f = operatorFigures(n.metrics);
      return {
        id: n.id,
        ...(n.sparkId !== undefined ? { sparkId: n.sparkId } : {}),
        operator: displayName(n),
        status: m?.status ?? 'unmapped',
        best: m?.best ?? null,
        ...(f.timeMs !== undefined ? { timeMs: f.timeMs } : {}),
        ...(f.rows !== undefined ? { rows: f.rows } : {}),
        ...(f.spillBytes !== undefined ? { spillBytes: f.spillBytes } : {}),
        metrics: (n.metrics ?? []).map((x) => ({ name: x.name, value: x.value })),
      };
    });
    const p = page(operators, input.offset, input.limit, 50);
    return {
      ...base,
      executions: [],
      execution: { ...summary(e), operators: p.items },
      page: p.page,
      ms: Math.round(performance.now() - started),
    };
  }

  /** Most recent first; drops entries `same` says this one replaces, and the oldest beyond `keep`. */
  private remember<T>(list: T[], item: T, same: (x: T) => boolean, keep: number): void {
    for (let i = list.length - 1; i >= 0; i--) if (same(list[i])) list.splice(i, 1);
    list.unshift(item);
    list.length = Math.min(list.length, keep);
  }
}

/** Levenshtein distance (short names only: the lineage's asset names). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
