/**
 * dbt resolution: projects (dbt_project.yml), their models (file name, `alias`/`schema` config), sources
 * (sources YAML: database/schema/identifier), macros, and `target/manifest.json` when present (preferred
 * for names and relations). `ref('m')`, `ref('pkg','m')`, `source('s','t')` in Jinja — and in macros the
 * model calls, with `{% if param %}` blocks decided from the call's arguments — resolve to asset ids
 * `model.<project>.<name>` / `source.<project>.<source>.<table>`, the ids dbt itself uses.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { JinjaBlock } from '../sql/jinja';
import { normalizeParts, type NameDefaults } from './names';
import type { Asset } from './model';

export interface DbtProject {
  name: string;
  /** Absolute directory holding dbt_project.yml. */
  root: string;
  modelPaths: string[];
  macroPaths: string[];
  seedPaths: string[];
  snapshotPaths: string[];
  /** `seeds: +schema` from dbt_project.yml. */
  seedSchema?: string;
  /** `models:` config tree from dbt_project.yml (for `+schema` per folder). */
  modelConfig: unknown;
}

export interface DbtSource {
  id: string;
  source: string;
  table: string;
  relation: string;
  file: string;
}

export interface DbtModelInfo {
  id: string;
  name: string;
  file: string;
  relation: string;
  /** Seeds (CSV files) and snapshots are refs too. */
  kind?: 'dbt_model' | 'dbt_seed' | 'dbt_snapshot';
  /** From target/manifest.json: the nodes dbt says the model depends on (what macros refer to included). */
  dependsOn?: string[];
}

export interface DbtMacro {
  name: string;
  params: Array<{ name: string; default?: unknown }>;
  /** Body text and the Jinja blocks inside it (offsets relative to the macro file). */
  body: string;
  bodyStart: number;
  file: string;
}

export interface DbtCall {
  kind: 'ref' | 'source';
  args: string[];
  start: number;
  end: number;
  /** Set when the call was found in a macro the model invokes (the call site is start/end). */
  viaMacro?: string;
}

/** YAML parses are memoised by text: the graph is rebuilt after every edit, the YAML rarely changes. */
const yamlCache = new Map<string, unknown>();

function parseYamlCached(text: string): unknown {
  if (yamlCache.has(text)) return yamlCache.get(text);
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch {
    doc = undefined;
  }
  if (yamlCache.size > 2000) yamlCache.clear();
  yamlCache.set(text, doc);
  return doc;
}

export function readDbtProject(file: string, text: string): DbtProject | undefined {
  const doc = parseYamlCached(text) as Record<string, unknown> | undefined;
  if (!doc || typeof doc.name !== 'string') return undefined;
  const arr = (v: unknown, d: string[]) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : d);
  return {
    name: doc.name,
    root: path.dirname(file),
    modelPaths: arr(doc['model-paths'] ?? doc['source-paths'], ['models']),
    macroPaths: arr(doc['macro-paths'], ['macros']),
    seedPaths: arr(doc['seed-paths'] ?? doc['data-paths'], ['seeds']),
    snapshotPaths: arr(doc['snapshot-paths'], ['snapshots']),
    seedSchema:
      typeof (doc.seeds as Record<string, unknown> | undefined)?.['+schema'] === 'string'
        ? (doc.seeds as Record<string, string>)['+schema']
        : undefined,
    modelConfig: (doc.models as Record<string, unknown> | undefined)?.[doc.name],
  };
}

export function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Sources declared in a YAML file (dbt `sources:` blocks). */
export function readSources(project: DbtProject, file: string, text: string, names: NameDefaults): DbtSource[] {
  if (!/^\s*sources\s*:/m.test(text)) return [];
  const doc = parseYamlCached(text) as { sources?: unknown } | undefined;
  if (!doc) return [];
  const out: DbtSource[] = [];
  for (const s of Array.isArray(doc.sources) ? doc.sources : []) {
    if (!s || typeof s.name !== 'string') continue;
    for (const t of Array.isArray(s.tables) ? s.tables : []) {
      if (!t || typeof t.name !== 'string') continue;
      const parts = [s.database, s.schema ?? s.name, t.identifier ?? t.name].filter(
        (x): x is string => typeof x === 'string',
      );
      out.push({
        id: `source.${project.name}.${s.name}.${t.name}`,
        source: s.name,
        table: t.name,
        relation: normalizeParts(parts, names),
        file,
      });
    }
  }
  return out;
}

/** Columns documented in YAML (`models:`/`sources:` … `columns: - name:`), keyed by model name or `source.table`. */
export function readDocumentedColumns(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!/columns\s*:/.test(text)) return out;
  const doc = parseYamlCached(text) as Record<string, unknown> | undefined;
  if (!doc) return out;
  const cols = (x: { columns?: unknown }) =>
    Array.isArray(x.columns)
      ? x.columns
          .map((c: { name?: unknown }) => c?.name)
          .filter((n): n is string => typeof n === 'string')
          .map((n) => n.toLowerCase())
      : [];
  for (const m of Array.isArray(doc.models) ? doc.models : [])
    if (m && typeof m.name === 'string' && cols(m).length) out.set(m.name, cols(m));
  for (const s of Array.isArray(doc.sources) ? doc.sources : []) {
    for (const t of Array.isArray(s?.tables) ? s.tables : [])
      if (t && typeof t.name === 'string' && cols(t).length) out.set(`${s.name}.${t.name}`, cols(t));
  }
  return out;
}

/** `{% macro name(a, b=[]) %} … {% endmacro %}` definitions in a macro file. */
export function readMacros(file: string, text: string, blocks: JinjaBlock[]): DbtMacro[] {
  const out: DbtMacro[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    const m = b.kind === 'statement' ? /^macro\s+(\w+)\s*\(([\s\S]*)\)\s*$/.exec(b.inner) : null;
    if (!m) continue;
    const endBlock = blocks.slice(i + 1).find((x) => x.kind === 'statement' && /^endmacro\b/.test(x.inner));
    const bodyEnd = endBlock ? endBlock.start : text.length;
    out.push({ name: m[1], params: parseParams(m[2]), body: text.slice(b.end, bodyEnd), bodyStart: b.end, file });
  }
  return out;
}

function parseParams(s: string): DbtMacro['params'] {
  return splitArgs(s)
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) return { name: p.trim() };
      return { name: p.slice(0, eq).trim(), default: literal(p.slice(eq + 1).trim()) };
    })
    .filter((p) => /^\w+$/.test(p.name));
}

/** Splits a Jinja argument list on top-level commas. */
export function splitArgs(s: string): string[] {
  const parts = splitTop(s, [',']).map((p) => p.trim());
  if (parts.length && !parts[parts.length - 1]) parts.pop();
  return parts;
}

/** A Jinja literal's value (strings, numbers, lists, booleans, none); undefined when not a literal. */
function literal(s: string): unknown {
  const t = s.trim();
  if (/^(['"])[\s\S]*\1$/.test(t)) return t.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^(true|True)$/.test(t)) return true;
  if (/^(false|False)$/.test(t)) return false;
  if (/^(none|None)$/.test(t)) return null;
  if (t.startsWith('[') && t.endsWith(']')) return splitArgs(t.slice(1, -1)).map(literal);
  return undefined;
}

const CALL = /\b(ref|source)\s*\(\s*([^)]*)\)/g;

/**
 * ref()/source() calls in a sequence of Jinja blocks (offsets of the whole block). Arguments may be
 * expressions over `{% set %}` variables and `{% for x in [...] %}` loop variables (`prefix ~ x`): those
 * are evaluated, one call per loop value; what cannot be evaluated is left out (and reported by the caller).
 */
export function callsIn(blocks: JinjaBlock[], bound: Map<string, unknown> = new Map()): DbtCall[] {
  const out: DbtCall[] = [];
  const env = new Map(bound);
  const loops: Array<{ name: string; values: unknown[] | undefined }> = [];
  for (const b of blocks) {
    if (b.kind === 'comment') continue;
    let m: RegExpExecArray | null;
    // `{% set rel = source('x', 'y') %}`: dbt records the call where it is made; `{{ rel }}` just prints it.
    if (b.kind === 'statement' && (m = /^set\s+(\w+)\s*=\s*([\s\S]+)$/.exec(b.inner)))
      env.set(m[1], evalJinja(m[2], env));
    if (b.kind === 'statement' && (m = /^for\s+(\w+)\s+in\s+([\s\S]+)$/.exec(b.inner))) {
      const v = evalJinja(m[2], env);
      loops.push({ name: m[1], values: Array.isArray(v) ? v : undefined });
      continue;
    }
    if (b.kind === 'statement' && /^endfor\b/.test(b.inner)) {
      loops.pop();
      continue;
    }
    for (const c of b.inner.matchAll(CALL)) {
      // Positional names only: `v=2` / `version=2` pick a model version, not another model.
      const rawArgs = splitArgs(c[2])
        .filter((a) => !/^(v|version)\s*=/.test(a))
        .map((a) => a.replace(/^\w+\s*=\s*/, ''));
      for (const scope of loopScopes(loops, env)) {
        const args = rawArgs.map((a) => evalJinja(a, scope));
        if (args.length && args.every((a): a is string => typeof a === 'string'))
          out.push({ kind: c[1] as 'ref' | 'source', args, start: b.start, end: b.end });
      }
    }
  }
  return out;
}

/** One environment per combination of the enclosing loops' values (loops over unknown lists add nothing). */
function loopScopes(
  loops: Array<{ name: string; values: unknown[] | undefined }>,
  env: Map<string, unknown>,
): Array<Map<string, unknown>> {
  let scopes = [env];
  for (const l of loops) {
    if (!l.values) continue;
    scopes = scopes.flatMap((s) => l.values!.map((v) => new Map([...s, [l.name, v]])));
  }
  return scopes;
}

/** Evaluates the Jinja expressions dbt projects use for names: literals, variables, `~` / `+` concatenation. */
export function evalJinja(expr: string, env: Map<string, unknown>): unknown {
  const e = expr.trim();
  const lit = literal(e);
  if (lit !== undefined) return lit;
  if (/^\w+$/.test(e)) return env.get(e);
  const parts = splitTop(e, ['~', '+']);
  if (parts.length > 1) {
    const vals = parts.map((p) => evalJinja(p, env));
    if (vals.every((v) => typeof v === 'string' || typeof v === 'number')) return vals.join('');
  }
  return undefined;
}

function splitTop(s: string, ops: string[]): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of s) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
      continue;
    }
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (depth === 0 && ops.includes(ch)) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

/** Calls the model reaches through project macros it invokes (`{{ my_macro("14", ["brand"]) }}`). */
export function macroCalls(blocks: JinjaBlock[], macros: Map<string, DbtMacro>, depth = 0): DbtCall[] {
  if (depth > 5 || macros.size === 0) return [];
  const out: DbtCall[] = [];
  for (const b of blocks) {
    if (b.kind !== 'expression' && b.kind !== 'statement') continue;
    for (const m of b.inner.matchAll(/\b(\w+)\s*\(([^]*)\)/g)) {
      const macro = macros.get(m[1]);
      if (!macro) continue;
      const args = bindArgs(macro, m[2]);
      for (const c of callsInMacro(macro, args, macros, depth + 1))
        out.push({ ...c, start: b.start, end: b.end, viaMacro: c.viaMacro ?? macro.name });
    }
  }
  return out;
}

function bindArgs(macro: DbtMacro, argText: string): Map<string, unknown> {
  const vals = new Map<string, unknown>();
  for (const p of macro.params) vals.set(p.name, p.default);
  splitArgs(argText).forEach((a, i) => {
    const kw = /^(\w+)\s*=\s*([\s\S]+)$/.exec(a);
    if (kw && macro.params.some((p) => p.name === kw[1])) vals.set(kw[1], literal(kw[2]));
    else if (macro.params[i]) vals.set(macro.params[i].name, literal(a));
  });
  return vals;
}

/** Calls in a macro body, skipping `{% if p %}` branches that the bound arguments decide against. */
function callsInMacro(
  macro: DbtMacro,
  args: Map<string, unknown>,
  macros: Map<string, DbtMacro>,
  depth: number,
): DbtCall[] {
  const blocks = jinjaBlocks(macro.body);
  const live: typeof blocks = [];
  // Stack of branch states: true = taken, false = skipped, undefined = unknown (keep).
  const stack: Array<boolean | undefined> = [];
  const active = () => stack.every((s) => s !== false);
  for (const b of blocks) {
    const inner = b.inner;
    let m: RegExpExecArray | null;
    if (b.kind === 'statement' && (m = /^if\s+(not\s+)?(\w+)\s*$/.exec(inner))) {
      const v = args.has(m[2]) ? truthy(args.get(m[2])) : undefined;
      stack.push(v === undefined ? undefined : m[1] ? !v : v);
      continue;
    }
    if (b.kind === 'statement' && /^if\b/.test(inner)) {
      stack.push(undefined);
      continue;
    }
    if (b.kind === 'statement' && /^else\b/.test(inner)) {
      const s = stack.pop();
      stack.push(s === undefined ? undefined : !s);
      continue;
    }
    if (b.kind === 'statement' && /^endif\b/.test(inner)) {
      stack.pop();
      continue;
    }
    if (active()) live.push(b);
  }
  // The macro's parameters are bound for its calls: `ref('gtfs_' ~ table_name)` called as read_gtfs('routes').
  return [...callsIn(live, args), ...macroCalls(live, macros, depth)];
}

function truthy(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.length > 0;
  return !!v;
}

/** Jinja blocks of a text (used for macro bodies, which the workspace parsed as part of a larger file). */
export function jinjaBlocks(text: string): JinjaBlock[] {
  const out: JinjaBlock[] = [];
  const re = /\{([{%#])([\s\S]*?)([}%#])\}/g;
  for (const m of text.matchAll(re)) {
    const kind = m[1] === '{' ? 'expression' : m[1] === '%' ? 'statement' : 'comment';
    out.push({ kind, start: m.index!, end: m.index! + m[0].length, inner: m[2].replace(/^[-+]?\s*|\s*[-+]?$/g, '') });
  }
  return out;
}

/** The model's `config(schema=…, alias=…)` from its Jinja blocks, if any. */
export function modelConfig(blocks: JinjaBlock[]): { schema?: string; alias?: string } {
  const out: { schema?: string; alias?: string } = {};
  for (const b of blocks) {
    const m = /\bconfig\s*\(([\s\S]*)\)/.exec(b.inner);
    if (!m) continue;
    for (const a of splitArgs(m[1])) {
      const kv = /^(\w+)\s*=\s*([\s\S]+)$/.exec(a);
      if (kv && (kv[1] === 'schema' || kv[1] === 'alias')) {
        const v = literal(kv[2]);
        if (typeof v === 'string') out[kv[1]] = v;
      }
    }
  }
  return out;
}

/** `+schema` for a model file from the dbt_project.yml `models:` tree (deepest folder wins). */
export function folderSchema(project: DbtProject, file: string): string | undefined {
  const modelDir = project.modelPaths.map((p) => path.join(project.root, p)).find((d) => isUnder(file, d));
  if (!modelDir) return undefined;
  const folders = path.relative(modelDir, path.dirname(file)).split(path.sep).filter(Boolean);
  let node = project.modelConfig as Record<string, unknown> | undefined;
  let schema = typeof node?.['+schema'] === 'string' ? (node['+schema'] as string) : undefined;
  for (const f of folders) {
    node = node?.[f] as Record<string, unknown> | undefined;
    if (!node || typeof node !== 'object') break;
    if (typeof node['+schema'] === 'string') schema = node['+schema'] as string;
  }
  return schema;
}

export interface Manifest {
  models: Map<string, DbtModelInfo>;
  sources: Map<string, DbtSource>;
}

/** target/manifest.json of a project, when present and readable. */
const manifestCache = new Map<string, { mtimeMs: number; key: string; manifest: Manifest | undefined }>();

export function readManifest(project: DbtProject, names: NameDefaults): Manifest | undefined {
  const file = path.join(project.root, 'target', 'manifest.json');
  if (!existsSync(file)) return undefined;
  const mtimeMs = statSync(file).mtimeMs;
  const key = `${names.defaultCatalog}\u0000${names.defaultSchema}`;
  const hit = manifestCache.get(file);
  if (hit && hit.mtimeMs === mtimeMs && hit.key === key) return hit.manifest;
  const manifest = loadManifest(project, file, names);
  manifestCache.set(file, { mtimeMs, key, manifest });
  return manifest;
}

function loadManifest(project: DbtProject, file: string, names: NameDefaults): Manifest | undefined {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      nodes?: Record<string, any>;
      sources?: Record<string, any>;
    };
    const models = new Map<string, DbtModelInfo>();
    for (const [id, n] of Object.entries(doc.nodes ?? {})) {
      if (n?.resource_type !== 'model') continue;
      const relation = normalizeParts(
        [n.schema, n.alias ?? n.name].filter((x: unknown): x is string => typeof x === 'string'),
        names,
      );
      const deps = Array.isArray(n.depends_on?.nodes)
        ? (n.depends_on.nodes as unknown[]).filter(
            (d): d is string => typeof d === 'string' && /^(model|source|seed|snapshot)\./.test(d),
          )
        : undefined;
      models.set(n.name, {
        id,
        name: n.name,
        file: path.join(project.root, String(n.original_file_path ?? '')),
        relation,
        ...(deps ? { dependsOn: deps } : {}),
      });
    }
    const sources = new Map<string, DbtSource>();
    for (const [id, s] of Object.entries(doc.sources ?? {})) {
      const relation = normalizeParts(
        [s.database, s.schema, s.identifier ?? s.name].filter((x: unknown): x is string => typeof x === 'string'),
        names,
      );
      sources.set(`${s.source_name}.${s.name}`, {
        id,
        source: s.source_name,
        table: s.name,
        relation,
        file: path.join(project.root, String(s.original_file_path ?? '')),
      });
    }
    return { models, sources };
  } catch {
    return undefined;
  }
}

export function modelAsset(m: DbtModelInfo): Asset {
  return { id: m.id, kind: m.kind ?? 'dbt_model', name: m.name, relation: m.relation };
}

/** Seed CSV files of a project (read from disk: the workspace does not parse CSV). */
export function readSeeds(project: DbtProject, names: NameDefaults): DbtModelInfo[] {
  const out: DbtModelInfo[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.csv')) {
        const name = e.name.slice(0, -4);
        out.push({
          id: `seed.${project.name}.${name}`,
          name,
          file: p,
          kind: 'dbt_seed',
          relation: normalizeParts(
            [project.seedSchema, name].filter((x): x is string => !!x),
            names,
          ),
        });
      }
    }
  };
  for (const s of project.seedPaths) walk(path.join(project.root, s), 0);
  return out;
}

/** `{% snapshot name %}` blocks of a snapshot file. */
export function snapshotNames(blocks: JinjaBlock[]): string[] {
  return blocks
    .filter((b) => b.kind === 'statement')
    .map((b) => /^snapshot\s+(\w+)/.exec(b.inner)?.[1])
    .filter((x): x is string => !!x);
}

export function sourceAsset(s: DbtSource): Asset {
  return { id: s.id, kind: 'dbt_source', name: `${s.source}.${s.table}`, relation: s.relation };
}

/** Jinja names that are dbt's or Jinja's own, not macros a project or a package defines. */
const BUILTIN_CALLS = new Set([
  'ref',
  'source',
  'config',
  'var',
  'env_var',
  'is_incremental',
  'this',
  'adapter',
  'run_query',
  'log',
  'return',
  'statement',
  'load_result',
  'caller',
  'range',
  'dict',
  'list',
  'set',
  'zip',
  'print',
  'tojson',
  'fromjson',
  'toyaml',
  'fromyaml',
  'exceptions',
  'modules',
  'local_md5',
  'set_sql_header',
  'doc',
  'super',
  'loop',
  'namespace',
  'lipsum',
  'cycler',
  'joiner',
  'graph',
  'try_or_compiler_error',
  'zip_strict',
  'selected_resources',
  'submission_method',
  'model',
  'builtins',
  'api',
  'flags',
  'target',
  'invocation_args_dict',
]);
/** Methods Jinja code calls on values (`x.get(…)`, `name.upper()`): not package macros. */
const VALUE_METHODS = new Set([
  'get',
  'items',
  'keys',
  'values',
  'upper',
  'lower',
  'replace',
  'split',
  'join',
  'format',
  'append',
  'extend',
  'strip',
  'lstrip',
  'rstrip',
  'startswith',
  'endswith',
  'update',
  'pop',
  'title',
  'capitalize',
  'count',
  'index',
  'find',
  'render',
  'quote',
  'include',
  'identifier',
  'incorporate',
  'columns',
  'table',
  'print_table',
  'type',
  'dispatch',
]);
const NOT_PACKAGE = new Set([
  'adapter',
  'exceptions',
  'modules',
  'this',
  'api',
  'config',
  'builtins',
  'var',
  'target',
  'flags',
  'model',
  'graph',
  'loop',
  'dbt',
]);

/**
 * Macros a model calls that neither the project nor an installed package defines (`dbtvault.hub(…)`,
 * `{{ hub(source_model='v_stg_orders') }}` before `dbt deps`): whatever tables they refer to are unknown.
 * Each with the offset of the block that calls it.
 */
export function unresolvedMacroCalls(
  blocks: JinjaBlock[],
  macros: Map<string, DbtMacro>,
): Array<{ name: string; start: number }> {
  const out: Array<{ name: string; start: number }> = [];
  const vars = new Set<string>();
  for (const b of blocks) {
    const m = b.kind === 'statement' ? /^(?:set|for)\s+(\w+)/.exec(b.inner) : null;
    if (m) vars.add(m[1]);
  }
  for (const b of blocks) {
    if (b.kind === 'comment') continue;
    const inner = b.inner.replace(/(['"])(?:\\.|(?!\1)[\s\S])*\1/g, '""');
    for (const c of inner.matchAll(/(?<![\w.|])(?:(\w+)\.)?(\w+)\s*\(/g)) {
      const [, pkg, name] = c;
      let missing: string | undefined;
      if (pkg) {
        if (!(
          NOT_PACKAGE.has(pkg) ||
          vars.has(pkg) ||
          VALUE_METHODS.has(name) ||
          macros.has(`${pkg}.${name}`) ||
          macros.has(name)
        ))
          missing = `${pkg}.${name}`;
      } else if (!(
        BUILTIN_CALLS.has(name) ||
        macros.has(name) ||
        vars.has(name) ||
        /^(if|for|set|macro|call|filter|block|elif|not|and|or|in|is)$/.test(name)
      )) {
        missing = name;
      }
      if (missing && !out.some((o) => o.name === missing && o.start === b.start))
        out.push({ name: missing, start: b.start });
    }
  }
  return out;
}

/** Macros of the packages installed in `dbt_packages/` (or `dbt_modules/`), by `pkg.name` and by `name`. */
export function readPackageMacros(project: DbtProject): Map<string, DbtMacro> {
  const out = new Map<string, DbtMacro>();
  for (const dir of ['dbt_packages', 'dbt_modules']) {
    const base = path.join(project.root, dir);
    if (!existsSync(base)) continue;
    for (const pkg of readdirSync(base, { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      const walk = (d: string, depth: number) => {
        if (depth > 6 || !existsSync(d)) return;
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) walk(p, depth + 1);
          else if (e.isFile() && e.name.endsWith('.sql')) {
            let text: string;
            try {
              text = readFileSync(p, 'utf8');
            } catch {
              continue;
            }
            for (const m of readMacros(p, text, jinjaBlocks(text))) {
              out.set(`${pkg.name}.${m.name}`, m);
              if (!out.has(m.name)) out.set(m.name, m);
            }
          }
        }
      };
      walk(path.join(base, pkg.name, 'macros'), 0);
    }
  }
  return out;
}
