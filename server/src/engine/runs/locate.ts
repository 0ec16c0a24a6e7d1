/**
 * Where in the workspace an execution comes from. Evidence, strongest first:
 * - the callSite Spark recorded (`collect at /app/job.py:102`), checked against the file as it is now: the
 *   log may be older than the code, so the line must still call the action (else a few lines around, else
 *   the call of that action whose statement holds the plan's names, paths and numbers);
 * - a query name as the job description (`query9` → `query09.sql`);
 * - actions called from the JVM side (`parquet at NativeMethodAccessorImpl.java:0`): the call of that action
 *   anywhere in the code whose statement fits the plan best;
 * - the plan itself, mapped to code (the mapper's best source).
 * Failed tasks' Python / JVM tracebacks locate the user function that raised.
 */
import path from 'node:path';
import type { DagMapResult, RunLocation } from '../../protocol/contracts';
import type { IngestResult } from '../dag/model';
import { planFacts } from '../dag/mapping/planFacts';
import type { ActionCall } from '../dag/source/actions';
import { normLiteral } from '../dag/spark/exprText';
import type { ExecutionRecord, JobRecord } from './model';
import { normPath, pathsOf } from './views';

export interface SourceFile {
  /** Workspace-relative, '/'-separated. */
  rel: string;
  lang: string;
  text: string;
}

export interface Workspace {
  files: SourceFile[];
  /** Action calls of every code file. */
  actions: ActionCall[];
  lines(rel: string): string[];
}

export interface CallSite {
  action: string;
  file: string;
  line: number;
  raw: string;
}

const CALLSITE = /^(\S+) at (.+?):(\d+)$/;
/** Frames of Spark itself or of a REPL: no file of the user's. */
const NOT_USER_FILE = /^(<.*>|.*\.java|NativeMethodAccessorImpl.*|.*\/pyspark\/.*|py4j.*)$/;
/** Code typed into a shell or notebook cell (spark-shell, pyspark, IPython, Databricks): not in any file. */
const REPL_FILE = /^<(console|stdin|string|ipython-input-[^>]*|command-[^>]*|input)>$|^Command-\d+|^<ipython/;

export function callSites(x: ExecutionRecord, jobs: JobRecord[]): CallSite[] {
  const out: CallSite[] = [];
  for (const raw of [x.description, ...jobs.map((j) => j.callSite ?? '')]) {
    const m = CALLSITE.exec(raw.trim());
    if (!m || out.some((c) => c.raw === raw)) continue;
    out.push({ action: m[1], file: m[2], line: Number(m[3]), raw });
  }
  return out;
}

/** Spark's internal names for what the user called. */
const ACTION_ALIASES: Record<string, string[]> = {
  collectToPython: ['collect'],
  collectAsArrowToPython: ['toPandas', 'toArrow'],
  showString: ['show'],
  getRowsToPython: ['show'],
  collect: ['collect', 'collectAsList'],
  count: ['count'],
  head: ['head', 'first', 'take', 'show'],
  take: ['take', 'head', 'first'],
  first: ['first', 'head'],
  tail: ['tail'],
  toPandas: ['toPandas'],
  createOrReplaceTempView: ['createOrReplaceTempView', 'createTempView', 'registerTempTable'],
  createTempView: ['createTempView', 'createOrReplaceTempView'],
  registerTempTable: ['registerTempTable'],
  sql: ['sql'],
  saveAsTable: ['saveAsTable'],
  insertInto: ['insertInto'],
  save: ['save'],
  foreach: ['foreach'],
  foreachPartition: ['foreachPartition'],
  toLocalIterator: ['toLocalIterator'],
  isEmpty: ['isEmpty'],
  checkpoint: ['checkpoint'],
  describe: ['describe', 'summary'],
};

/** The user-level methods an execution's action may have been called as, and whether it writes. */
export function actionNames(x: ExecutionRecord, sites: CallSite[]): { names: string[]; write: boolean } {
  const frame = /^[\w.$]*\.(\w+)\.(\w+)\(/.exec(x.details.split('\n')[0] ?? '');
  const write =
    frame?.[1] === 'DataFrameWriter' || frame?.[1] === 'DataFrameWriterV2' || frame?.[1] === 'DataStreamWriter';
  const raw = [sites[0]?.action, frame?.[2]].filter((a): a is string => !!a && !a.startsWith('$'));
  const names = new Set<string>();
  for (const a of raw) for (const n of ACTION_ALIASES[a] ?? [a]) names.add(n);
  return { names: [...names], write };
}

/** The workspace file a callSite or traceback path names: same base name, longest common path suffix. */
export function resolveFile(p: string, files: SourceFile[]): SourceFile | undefined {
  const parts = p.replace(/\\/g, '/').split('/').filter(Boolean);
  const base = parts[parts.length - 1];
  if (!base || NOT_USER_FILE.test(p)) return undefined;
  let best: SourceFile | undefined;
  let bestLen = 0;
  for (const f of files) {
    const fp = f.rel.split('/');
    if (fp[fp.length - 1] !== base) continue;
    let k = 1;
    while (k < fp.length && k < parts.length && fp[fp.length - 1 - k] === parts[parts.length - 1 - k]) k++;
    if (k > bestLen || (k === bestLen && best && f.rel.length < best.rel.length)) {
      best = f;
      bestLen = k;
    }
  }
  return best;
}

// ── plan evidence ──────────────────────────────────────────────────────────────────────────────────────

export type PlanTerms = Map<string, number>;

/** Names, paths and numbers of the plan, weighted: what a statement that made it would hold. */
export function planTerms(ingest: IngestResult): PlanTerms {
  const out: PlanTerms = new Map();
  const add = (t: string, w: number) => {
    if (t && w > (out.get(t) ?? 0)) out.set(t, w);
  };
  const facts = planFacts(ingest.dag, ingest.evidence);
  // `range` names Range's generated rows, not something the user wrote (every `range(…)` call has it).
  for (const [t, v] of facts.terms) if (!(t === 'range' && v.kind === 'table')) add(t, v.weight);
  for (const n of ingest.dag.nodes) {
    if (n.section === 'initial') continue;
    const text = `${n.label} ${n.detail.Arguments ?? ''} ${n.detail.args ?? ''}`;
    // Writes and views name their target; Range and LocalLimit their numbers.
    if (
      /^(Execute|WriteFiles|InsertInto|SaveInto|AppendData|OverwriteByExpression|CreateViewCommand|CreateDataSourceTable|CreateTable)/.test(
        n.operator,
      ) ||
      /Command|InsertInto/.test(n.label)
    ) {
      for (const m of text.matchAll(/`([^`]+)`/g)) add(m[1].split('.').pop()!.toLowerCase(), 3);
      for (const m of text.matchAll(/(?:^|[\s,[=(])((?:[a-z][\w+.-]*:)?\/[^\s,\]]+)/gi)) {
        const p = normPath(m[1]);
        add(normLiteral(p), 3);
        const last = p.split('/').pop();
        if (last && /^[A-Za-z_][\w-]*$/.test(last)) add(last.toLowerCase(), 3);
      }
      const cols = /\[([\w, ]+)\]\s*$/.exec(text.trim());
      if (cols) for (const c of cols[1].split(',')) add(c.trim().toLowerCase(), 1);
    }
    if (n.operator === 'Range')
      for (const m of text.matchAll(/\b\d+\b/g)) if (Number(m[0]) > 2) add(normLiteral(m[0]), 2);
    // Names the code gave, also when Spark wrapped them (`AS toprettystring(current_date)#99` for show()).
    for (const m of `${text} ${n.detail.Output ?? ''}`.matchAll(/ AS \w+\(([A-Za-z_]\w*)\)#\d+/g))
      add(m[1].toLowerCase(), 1.5);
    // The last folders of the paths a scan reads (`…/taxi-trip/input`).
    for (const p of pathsOf(n))
      for (const seg of p.split('/').slice(-2)) if (/^[A-Za-z_][\w-]*$/.test(seg)) add(seg.toLowerCase(), 1);
  }
  return out;
}

interface Scored {
  call: ActionCall;
  /** Weight of the plan's terms the statement holds that not every candidate holds. */
  distinct: number;
  /** Same, over all matched terms. */
  matched: number;
}

function scoreCalls(calls: ActionCall[], terms: PlanTerms): Scored[] {
  const n = calls.length;
  const df = new Map<string, number>();
  for (const t of terms.keys())
    df.set(
      t,
      calls.reduce((k, c) => k + (c.terms.has(t) ? 1 : 0), 0),
    );
  return calls
    .map((call) => {
      let distinct = 0;
      let matched = 0;
      for (const [t, w] of terms) {
        if (!call.terms.has(t)) continue;
        matched += w;
        if (df.get(t)! < n || n === 1) distinct += w * (n === 1 ? 1 : Math.log(1 + n / df.get(t)!) / Math.log(1 + n));
      }
      return { call, distinct, matched };
    })
    .sort((a, b) => b.distinct - a.distinct || b.matched - a.matched || a.call.line - b.call.line);
}

const loc = (file: string, startLine: number, endLine: number, confidence: number, evidence: string): RunLocation => ({
  file,
  startLine,
  endLine: Math.max(startLine, endLine),
  confidence: Math.round(confidence * 100) / 100,
  evidence,
});

/** A place found before the plan is mapped (it focuses the mapping); `scope` are the lines that made it. */
export interface Located {
  location: RunLocation;
  scope: Array<[number, number]>;
  /** callSite: Spark's own record; name: a query file; action: a call picked by the plan's evidence. */
  how: 'callSite' | 'name' | 'action';
  /** A generic runner line (`df.collect()` over SQL read elsewhere): the plan may know better. */
  weak?: boolean;
  /** The file a verified callSite is in: the application's driver code. */
  driverFile?: string;
}

/** What a plan writes or registers: a temp view's name, an output path, a table. */
export interface PlanTarget {
  kind: 'view' | 'path' | 'table';
  value: string;
}

export function planTarget(ingest: IngestResult): PlanTarget | undefined {
  for (const n of ingest.dag.nodes) {
    const text = `${n.label} ${n.detail.Arguments ?? ''} ${n.detail.args ?? ''}`;
    if (/CreateViewCommand/.test(`${n.operator} ${n.label}`)) {
      const v = /`([^`]+)`/.exec(n.detail.Arguments ?? n.detail.args ?? '')?.[1];
      if (v) return { kind: 'view', value: v.split('.').pop()!.toLowerCase() };
    }
    if (/InsertIntoHadoopFsRelationCommand/.test(text)) {
      const p =
        /\[path=([^,\]]+)/.exec(text)?.[1] ??
        /InsertIntoHadoopFsRelationCommand\s+([^\s,]+)/.exec(text)?.[1] ??
        /Arguments: ([^\s,]+)/.exec(`Arguments: ${n.detail.Arguments ?? ''}`)?.[1];
      if (p && /[/:]/.test(p)) return { kind: 'path', value: normPath(p) };
    }
    if (
      /(CreateDataSourceTableAsSelectCommand|InsertIntoHiveTable|CreateHiveTableAsSelectCommand|AppendData|OverwriteByExpression|CreateTableAsSelect)/.test(
        text,
      )
    ) {
      const t = /`([^`]+)`\.`([^`]+)`|`([^`]+)`/.exec(text);
      const name = t?.[2] ?? t?.[3];
      if (name) return { kind: 'table', value: name.toLowerCase() };
    }
  }
  return undefined;
}

const VIEW_METHODS = new Set([
  'createOrReplaceTempView',
  'createTempView',
  'createOrReplaceGlobalTempView',
  'createGlobalTempView',
  'registerTempTable',
]);

/** A call whose own literal names another view, path or table than the plan's cannot have made it. */
function contradicts(c: ActionCall, target: PlanTarget | undefined): boolean {
  const arg = c.args[0];
  if (!target || arg === undefined || /\{|%s|\$/.test(arg)) return false;
  if (target.kind === 'view') return VIEW_METHODS.has(c.method) && arg.toLowerCase() !== target.value;
  if (target.kind === 'table')
    return (
      (c.method === 'saveAsTable' || c.method === 'insertInto') && arg.split('.').pop()!.toLowerCase() !== target.value
    );
  if (!c.write || !WRITE_METHODS.has(c.method)) return false;
  const a = normPath(arg);
  return !(a === target.value || target.value.endsWith(`/${a.replace(/^\.?\//, '')}`) || a.endsWith(target.value));
}

interface PickContext {
  terms: PlanTerms;
  target?: PlanTarget;
  /** Files the application's other executions were located in (file → weight). */
  prior?: Map<string, number>;
}

/** The best of several action calls for a plan, with a confidence that says how clearly it won. */
function pickCall(
  all: ActionCall[],
  ctx: PickContext,
  why: string,
  maxConf: number,
  how: Located['how'],
): Located | null {
  const cands = all.filter((c) => !contradicts(c, ctx.target));
  if (!cands.length) return null;
  // Calls that name another view or path are evidence too: the one left is the only one that fits.
  const excluded = all.length - cands.length;
  const ranked = scoreCalls(cands, ctx.terms);
  const [best, second] = ranked;
  let conf = 0;
  let chosen = best;
  let note = excluded
    ? `; ${excluded} other call${excluded > 1 ? 's' : ''} name${excluded > 1 ? '' : 's'} another ${ctx.target?.kind}`
    : '';
  if (cands.length === 1) conf = best.matched >= 3 ? maxConf : best.matched > 0 || excluded ? 0.7 : 0.5;
  else if (best.distinct > 0) {
    const margin = second ? (best.distinct - second.distinct) / best.distinct : 1;
    conf = best.distinct >= 2.5 && margin >= 0.5 ? maxConf : margin >= 0.3 ? 0.7 : 0.5;
  }
  if (conf < 0.8 && ctx.prior?.size) {
    // Undecided: the application's other executions say which file its driver code is in.
    const inPrior = ranked.filter((r) => ctx.prior!.has(r.call.file));
    const files = new Set(inPrior.map((r) => r.call.file));
    if (inPrior.length === 1 || (files.size === 1 && inPrior.length > 1 && inPrior[0].distinct > inPrior[1].distinct)) {
      chosen = inPrior[0];
      // The only call of its kind in the application's own file, the others ruled out: as good as a callSite.
      conf = inPrior.length === 1 && (excluded > 0 || chosen.matched > 0) ? 0.8 : Math.max(conf, 0.7);
      note += `; in ${chosen.call.file}, where this application's other executions run`;
    }
  }
  if (conf === 0) return null;
  const c = chosen.call;
  const evidence = `${why}: ${c.method}() at ${c.file}:${c.line}${cands.length > 1 ? `, the best fit of ${cands.length} such calls to the plan's names, paths and numbers` : ''}${note}`;
  return { location: loc(c.file, c.startLine, c.endLine, conf, evidence), scope: c.scope, how };
}

// ── the locator ────────────────────────────────────────────────────────────────────────────────────────

export interface LocateInput {
  exec: ExecutionRecord;
  jobs: JobRecord[];
  ingest: IngestResult;
  ws: Workspace;
}

function callAt(ws: Workspace, rel: string, line: number, names: string[]): ActionCall | undefined {
  return (
    ws.actions.find((a) => a.file === rel && a.line === line && names.includes(a.method)) ??
    ws.actions.find((a) => a.file === rel && a.startLine <= line && line <= a.endLine && names.includes(a.method))
  );
}

/** A query name as description (setJobDescription / setJobGroup): `query9` → `query09.sql`. */
function byQueryName(x: ExecutionRecord, jobs: JobRecord[], ws: Workspace): Located | null {
  const descriptions = [x.description, ...jobs.map((j) => j.description ?? '')];
  // dbt on Spark prefixes every query with a comment naming the node: {"node_id": "model.shop.orders"}.
  const dbt = descriptions
    .map((d) => /"node_id":\s*"(?:model|snapshot|seed)\.[^."]+\.([^"]+)"/.exec(d)?.[1])
    .filter((n): n is string => !!n);
  const names = [
    ...dbt,
    ...descriptions.map((d) => d.trim()).filter((d) => /^[\w.-]{2,100}$/.test(d) && !CALLSITE.test(d)),
  ];
  if (!names.length) return null;
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/\.[a-z]+$/, '')
      .replace(/\d+/g, (d) => String(Number(d)));
  const want = new Set(names.map(norm));
  const hits = ws.files.filter((f) => want.has(norm(path.basename(f.rel))));
  if (hits.length !== 1) return null;
  const f = hits[0];
  const lines = ws.lines(f.rel);
  const start = Math.max(1, lines.findIndex((l) => l.trim() && !/^\s*(--|#|\/\/)/.test(l)) + 1);
  const end = Math.max(start, lines.length - [...lines].reverse().findIndex((l) => l.trim()));
  return {
    location: loc(f.rel, start, end, 0.9, `the job description names it: "${names[0]}" is ${f.rel}`),
    scope: [[start, end]],
    how: 'name',
  };
}

/**
 * The execution's place from what the run recorded (callSite, job description, the action called), before
 * its plan is mapped; null when only the plan can tell.
 */
export function locateByRecord(input: LocateInput, prior?: Map<string, number>): Located | null {
  const { exec: x, jobs, ingest, ws } = input;
  const sites = callSites(x, jobs);
  const target = planTarget(ingest);
  const action = actionNames(x, sites);
  const names = action.names;
  // REST answers carry no driver stack: a plan that writes a path or a table was run by a writer.
  const write = action.write || target?.kind === 'path' || target?.kind === 'table';
  const terms = planTerms(ingest);
  const ctx: PickContext = { terms, target, prior };
  // 1. A callSite in a workspace file.
  for (const site of sites) {
    const file = resolveFile(site.file, ws.files);
    if (!file) continue;
    const lines = ws.lines(file.rel);
    const siteNames = ACTION_ALIASES[site.action] ?? [site.action];
    const calls = (l: number) =>
      l >= 1 && l <= lines.length && siteNames.some((n) => new RegExp(`\\b${n}\\s*\\(`).test(lines[l - 1]));
    let at: number | undefined;
    for (let d = 0; d <= 3 && at === undefined; d++) {
      if (calls(site.line - d)) at = site.line - d;
      else if (calls(site.line + d)) at = site.line + d;
    }
    if (at !== undefined) {
      const call = callAt(ws, file.rel, at, siteNames);
      const how =
        at === site.line
          ? `callSite ${site.raw}`
          : `callSite ${site.raw}, found at line ${at} (the log is older than the code)`;
      const own = call ? scoreCalls([call], terms)[0].matched : 0;
      // A generic runner line (`df.collect()` over SQL read from a file): the query it ran says more.
      const named = own < 3 ? byQueryName(x, jobs, ws) : null;
      if (named)
        return {
          ...named,
          driverFile: file.rel,
          location: { ...named.location, evidence: `${named.location.evidence}; run by ${file.rel}:${at} (${how})` },
        };
      return {
        location: loc(file.rel, call?.startLine ?? at, call?.endLine ?? at, at === site.line ? 0.95 : 0.85, how),
        scope: call?.scope ?? [[at, at]],
        how: 'callSite',
        weak: own < 3,
        driverFile: file.rel,
      };
    }
    // The line no longer calls the action: the calls of it in that file, by the plan.
    const inFile = ws.actions.filter((a) => a.file === file.rel && siteNames.includes(a.method));
    const stale = `callSite ${site.raw} is stale (line ${site.line} no longer calls ${site.action})`;
    const picked = pickCall(inFile, ctx, stale, 0.85, 'callSite');
    if (picked) return picked;
    // Nothing in the plan tells the calls apart: the nearest one to the recorded line, as a guess.
    const nearest = [...inFile].sort(
      (a, b) => Math.abs(a.line - site.line) - Math.abs(b.line - site.line) || a.line - b.line,
    )[0];
    if (nearest)
      return {
        location: loc(
          nearest.file,
          nearest.startLine,
          nearest.endLine,
          0.5,
          `${stale}; the nearest ${nearest.method}() is at line ${nearest.line}`,
        ),
        scope: nearest.scope,
        how: 'callSite',
      };
  }
  // 2. A query named by the job description.
  const named = byQueryName(x, jobs, ws);
  if (named) return named;
  // 3. An action called through the JVM (PySpark writers, temp views): every call of it in the code. Code
  // typed into a shell is in no file: only the plan could match it.
  if (!names.length || sites.some((c) => REPL_FILE.test(c.file))) return null;
  const fits = (c: ActionCall) => names.includes(c.method) && (write === c.write || !WRITE_METHODS.has(c.method));
  return pickCall(
    ws.actions.filter(fits),
    ctx,
    `${names[0]}() called through the JVM (${x.description || 'no callSite'})`,
    0.85,
    'action',
  );
}

const WRITE_METHODS = new Set([
  'parquet',
  'csv',
  'json',
  'orc',
  'text',
  'save',
  'jdbc',
  'avro',
  'delta',
  'saveAsTable',
  'insertInto',
]);

/** The plan's best source file and the span of its confidently mapped operators there. */
export function locateByPlan(mapping: DagMapResult, ingest: IngestResult, file?: string): RunLocation | null {
  const src = file ? (mapping.sources.find((s) => s.file === file) ?? { file, score: 1 }) : mapping.sources[0];
  if (!src || src.score < 0.5) return null;
  const main = new Set(ingest.dag.nodes.filter((n) => n.section !== 'initial').map((n) => n.id));
  const here = mapping.mappings.filter((m) => m.status === 'high' && m.best?.file === src.file && main.has(m.nodeId));
  if (here.length < (file ? 1 : 2)) return null;
  const start = Math.min(...here.map((m) => m.best!.startLine));
  const end = Math.max(...here.map((m) => m.best!.endLine));
  const second = mapping.sources.find((s) => s.file !== src.file);
  const clear = !second || second.score < src.score * 0.8;
  return loc(
    src.file,
    start,
    end,
    clear ? Math.min(0.9, 0.5 + src.score * 0.4) : 0.6,
    `the plan maps here: ${here.length} operators at ${src.file}:${start}–${end} (source score ${src.score.toFixed(2)})`,
  );
}

/** The final place, once the plan is mapped (with `pre` as its focus when there was one). */
export function settleLocation(pre: Located | null, mapping: DagMapResult, ingest: IngestResult): RunLocation | null {
  const byPlan = locateByPlan(mapping, ingest);
  if (!pre) return byPlan;
  if (pre.how === 'name') {
    // The statement of the query file the plan maps to.
    const inFile = locateByPlan(mapping, ingest, pre.location.file);
    return inFile ? { ...pre.location, startLine: inFile.startLine, endLine: inFile.endLine } : pre.location;
  }
  if (pre.weak && byPlan && byPlan.file !== pre.location.file && byPlan.confidence >= 0.8) {
    return {
      ...byPlan,
      evidence: `${byPlan.evidence}; run by ${pre.location.file}:${pre.location.startLine} (${pre.location.evidence})`,
    };
  }
  if (
    pre.how === 'action' &&
    byPlan &&
    byPlan.file !== pre.location.file &&
    byPlan.confidence > pre.location.confidence
  )
    return byPlan;
  return pre.location;
}

// ── tracebacks ─────────────────────────────────────────────────────────────────────────────────────────

const PY_FRAME = /File "([^"]+)", line (\d+), in ([\w<>.]+)/g;
const JVM_FRAME = /at ([\w$.]+)\.([\w$]+)\(([\w$-]+\.(?:scala|java)):(\d+)\)/g;
const INTERNAL_PATH = /[/\\](pyspark|py4j|site-packages|dist-packages|lib[/\\]python\d)/;

/** The user function a failed task's traceback names (innermost frame in a workspace file). */
export function locateErrors(texts: string[], ws: Workspace): RunLocation[] {
  const out: RunLocation[] = [];
  for (const text of texts) {
    const frames: Array<{ file: string; line: number; fn: string }> = [];
    for (const m of text.matchAll(PY_FRAME))
      if (!INTERNAL_PATH.test(m[1])) frames.push({ file: m[1], line: Number(m[2]), fn: m[3] });
    for (const m of text.matchAll(JVM_FRAME))
      if (!/^(org\.apache\.spark|scala\.|java\.|sun\.|jdk\.)/.test(m[1]))
        frames.push({ file: m[3], line: Number(m[4]), fn: m[2].replace(/^\$anonfun\$|\$\d+$/g, '') });
    for (const f of frames.reverse()) {
      const file = resolveFile(f.file, ws.files);
      if (!file) continue;
      const l = functionLocation(file, f, ws);
      if (l && !out.some((o) => o.file === l.file && o.startLine === l.startLine)) out.push(l);
      break;
    }
  }
  return out;
}

function functionLocation(file: SourceFile, f: { line: number; fn: string }, ws: Workspace): RunLocation | null {
  const lines = ws.lines(file.rel);
  const defs: Array<{ start: number; end: number; indent: number }> = [];
  const re = new RegExp(`^(\\s*)(?:async\\s+)?def\\s+${f.fn.replace(/[$]/g, '\\$')}\\b`);
  lines.forEach((l, i) => {
    const m = re.exec(l);
    if (m) defs.push({ start: i + 1, end: i + 1, indent: m[1].length });
  });
  for (const d of defs) {
    for (let k = d.start; k < lines.length; k++) {
      const l = lines[k];
      if (!l.trim() || /^\s*#/.test(l)) continue;
      if (l.length - l.trimStart().length <= d.indent) break;
      d.end = k + 1;
    }
  }
  const holding = defs.find((d) => d.start <= f.line && f.line <= d.end);
  if (holding)
    return loc(
      file.rel,
      holding.start,
      holding.end,
      0.95,
      `a failed task's traceback: ${f.fn}, ${file.rel} line ${f.line}`,
    );
  if (defs.length === 1)
    return loc(
      file.rel,
      defs[0].start,
      defs[0].end,
      0.85,
      `a failed task's traceback names ${f.fn} at line ${f.line}; the code has moved: ${f.fn} is at ${defs[0].start}–${defs[0].end}`,
    );
  if (f.line >= 1 && f.line <= lines.length && !defs.length)
    return loc(file.rel, f.line, f.line, 0.6, `a failed task's traceback: ${f.fn}, ${file.rel} line ${f.line}`);
  return null;
}
