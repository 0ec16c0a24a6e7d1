/**
 * Lineage in the editor: `daglens/lineage` and `daglens/impact` requests, a code lens above each process
 * ("reads 3 · writes 1 · 12 downstream", resolved lazily; clicking lists them), hovers on table and column
 * names (who produces it, who consumes it, known columns) and go-to-definition from a table name to the
 * code that writes it (its dbt model, its DDL, or the sources YAML). Thin: the engine (engine.lineage) decides.
 */
import {
  ErrorCodes,
  ResponseError,
  type CodeLens,
  type Hover,
  type Location,
  type Position,
} from 'vscode-languageserver/node';
import type { Engine } from '../../engine/engine';
import { lensTitle, tasksAround } from '../../engine/lineage/lens';
import { impactJson, lineageJson, processJson } from '../../engine/lineage/report';
import type { Asset, ImpactHit, Process } from '../../engine/lineage/model';
import { toLineRange } from '../../engine/types';
import {
  ImpactParamsSchema,
  impactRequest,
  LineageParamsSchema,
  lineageRequest,
  SHOW_LINEAGE_COMMAND,
  type ImpactResult,
  type LineageResult,
  type ShowLineageArgs,
} from '../../protocol';
import type { Feature, ServerContext } from '../context';
import { toRange } from '../convert';
import { engineFor, fileTarget, validated } from '../handlers';
import { pathToUri } from '../uris';

/** Lens data: tagged so that lenses of other features (resolved through the same handler) are left alone. */
interface LensData {
  feature: 'lineage';
  uri: string;
  process: string;
  line: number;
}

const MAX_LISTED = 10;

export const lineageFeature: Feature = {
  capabilities: { codeLensProvider: { resolveProvider: true }, hoverProvider: true, definitionProvider: true },
  register(ctx) {
    const { connection } = ctx;

    connection.onRequest(
      lineageRequest,
      validated(lineageRequest, LineageParamsSchema, (params): LineageResult => {
        if (params.uri) {
          const { engine, file } = fileTarget(ctx, params.uri);
          return lineageJson(engine.lineage, [file]);
        }
        const { engine } = engineFor(ctx, undefined);
        const all = lineageJson(engine.lineage);
        if (!params.symbol) return all;
        const asset = engine.lineage.resolve(params.symbol);
        const keep = new Set(asset ? [asset.id] : []);
        const procs = all.processes.filter(
          (p) =>
            p.id === params.symbol ||
            p.symbol === params.symbol ||
            p.reads.some((r) => keep.has(r.asset)) ||
            p.writes.some((w) => keep.has(w.asset)),
        );
        const ids = new Set(procs.map((p) => p.id));
        const touched = new Set(procs.flatMap((p) => [...p.reads, ...p.writes].map((r) => r.asset)));
        return {
          processes: procs,
          assets: all.assets.filter((a) => touched.has(a.id)),
          columns: all.columns.filter((c) => ids.has(c.process)),
        };
      }),
    );

    connection.onRequest(
      impactRequest,
      validated(impactRequest, ImpactParamsSchema, (params): ImpactResult => {
        const { asset, uri, position, direction } = params;
        if (asset) {
          const { engine } = uri ? fileTarget(ctx, uri) : engineFor(ctx, undefined);
          return impactJson(engine.lineage.impact(asset, direction), direction);
        }
        if (!uri || !position)
          throw new ResponseError(ErrorCodes.InvalidParams, 'daglens/impact needs `asset`, or `uri` and `position`');
        const { engine, file } = fileTarget(ctx, uri);
        const offset = offsetAt(ctx, engine, file, uri, position);
        const at = engine.lineage.assetAt(file, offset);
        if (at) return impactJson(engine.lineage.impact(at.ref.asset.id, direction), direction);
        const proc = engine.lineage.graph().processesAt(file, offset)[0];
        if (proc) return impactJson(engine.lineage.impact(proc.id, direction), direction);
        return { start: `${uri}:${position.line + 1}`, kind: 'unknown', direction, hits: [] };
      }),
    );

    connection.onCodeLens((params) => {
      const { engine, file } = engineFor(ctx, params.textDocument.uri);
      if (!file) return [];
      return engine.lineage
        .quick(() => engine.lineage.processesIn(file))
        .map((proc): CodeLens => ({
          range: toRange({ ...proc.span, end: proc.span.start }),
          data: {
            feature: 'lineage',
            uri: params.textDocument.uri,
            process: proc.id,
            line: proc.span.start.line,
          } satisfies LensData,
        }));
    });

    connection.onCodeLensResolve((lens) => {
      const data = lens.data as LensData | undefined;
      if (data?.feature !== 'lineage') return lens;
      const { engine, file: p } = engineFor(ctx, data.uri);
      if (!p) return lens;
      // From the last graph while files change (a rebuild and a refresh follow): lenses never wait for it.
      return engine.lineage.quick(() => {
        // Ids carry line numbers: after an edit above it, the process is the one that now starts on the lens's line.
        const proc =
          engine.lineage.graph().processes.get(data.process) ??
          engine.lineage.processesIn(p).find((x) => x.span.start.line === data.line) ??
          engine.lineage.processesIn(p).find((x) => x.symbol === data.process.replace(/^.*#(.*)@[\d.]+$/, '$1'));
        if (!proc) {
          // The lens outlived its process (the code changed): have the editor ask for current lenses.
          ctx.freshness.refreshSoon();
          return { ...lens, command: { title: 'lineage: updating…', command: '' } };
        }
        const downstream = engine.lineage.graph().downstreamOfProcess(proc.id);
        // Computed before the workspace is fully read (or before a rebuild): say so; a refresh follows.
        const state = ctx.freshness.partial(engine);
        const pending = state === 'reading' ? ' · reading workspace…' : state === 'updating' ? ' · updating…' : '';
        const title = `${lensTitle(engine.lineage.graph(), proc)}${pending}`;
        return {
          ...lens,
          command: { title, command: SHOW_LINEAGE_COMMAND, arguments: [showArgs(engine, proc, downstream)] },
        };
      });
    });

    connection.onHover((params): Hover | null => {
      const { engine, file } = engineFor(ctx, params.textDocument.uri);
      if (!file) return null;
      const offset = offsetAt(ctx, engine, file, params.textDocument.uri, params.position);
      return engine.lineage.quick(() => hoverAt(ctx, engine, file, offset));
    });

    connection.onDefinition((params): Location[] => {
      const { engine, file } = engineFor(ctx, params.textDocument.uri);
      if (!file) return [];
      const at = engine.lineage.assetAt(file, offsetAt(ctx, engine, file, params.textDocument.uri, params.position));
      if (!at) return [];
      const out: Location[] = [];
      for (const w of engine.lineage.graph().writersOf(at.ref.asset.id)) {
        const ref = w.writes.find((x) => x.asset.id === at.ref.asset.id);
        if (!ref || (w.id === at.process.id && at.role === 'write')) continue;
        out.push({ uri: pathToUri(ref.location.file), range: toRange(ref.location.span) });
      }
      const declared = engine.lineage.declarationOf(at.ref.asset.id);
      if (declared) out.push({ uri: pathToUri(declared.file), range: toRange(declared.span) });
      return out;
    });
  },
};

/** A hover on a table or column name, from the lineage as it stands. */
function hoverAt(ctx: ServerContext, engine: Engine, file: string, offset: number): Hover | null {
  const at = engine.lineage.assetAt(file, offset);
  const pending =
    ctx.freshness.partial(engine) === 'reading'
      ? '\n\n_DagLens is still reading the workspace: this may be incomplete._'
      : '';
  if (at) {
    const direct = at.ref.direct
      ? '\n\n_Named directly, not through `ref()`/`source()`: dbt does not order this model after it._'
      : '';
    return {
      contents: { kind: 'markdown', value: assetHover(engine, at.ref.asset, at.role) + direct + pending },
      range: toRange(at.ref.location.span),
    };
  }
  const column = columnAt(engine, file, offset);
  return column
    ? { contents: { kind: 'markdown', value: column.markdown + pending }, range: toRange(column.span) }
    : null;
}

/** A position's offset: in the open editor's text when there is one, else by the engine's line index of the file. */
function offsetAt(ctx: ServerContext, engine: Engine, file: string, uri: string, position: Position): number {
  const doc = ctx.documents.get(uri);
  return doc ? doc.offsetAt(position) : engine.lineage.offsetOf(file, position.line, position.character);
}

function where(engine: Engine, file: string, line: number): string {
  const rel = engine.workspace.relative(file);
  return `[${rel}:${line + 1}](${pathToUri(file)}#L${line + 1})`;
}

function listed(items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).map((s) => `- ${s}`);
  if (items.length > MAX_LISTED) shown.push(`- … and ${items.length - MAX_LISTED} more`);
  return shown.join('\n');
}

function assetHover(engine: Engine, asset: Asset, role: 'read' | 'write'): string {
  const g = engine.lineage.graph();
  const writers = g.writersOf(asset.id).map((p) => `\`${p.symbol}\` — ${where(engine, p.file, p.span.start.line)}`);
  const readers = g.readersOf(asset.id).map((p) => `\`${p.symbol}\` — ${where(engine, p.file, p.span.start.line)}`);
  const cols = engine.lineage.columnsOf(asset.id);
  const lines = [
    `**${asset.kind.replace('_', ' ')}** \`${asset.name}\`${asset.relation && asset.relation !== asset.name ? ` (relation \`${asset.relation}\`)` : ''} — ${role === 'write' ? 'written' : 'read'} here`,
    '',
    `**Produced by** (${writers.length})`,
    writers.length ? listed(writers) : '- nothing in this workspace (an external source)',
    '',
    `**Consumed by** (${readers.length})`,
    readers.length ? listed(readers) : '- nothing in this workspace',
  ];
  if (cols.length)
    lines.push(
      '',
      `**Columns** (${cols.length}): ${cols
        .slice(0, 40)
        .map((c) => `\`${c}\``)
        .join(', ')}${cols.length > 40 ? ', …' : ''}`,
    );
  return lines.join('\n');
}

function columnAt(engine: Engine, file: string, offset: number) {
  for (const p of engine.lineage.graph().processesAt(file, offset)) {
    const at = (x: { span: { startOffset: number; endOffset: number } }) =>
      x.span.startOffset <= offset && offset <= x.span.endOffset;
    // The output column when the cursor is on the final select list, else the innermost select item (CTE, subquery).
    const inner = (p.innerColumns ?? [])
      .filter(at)
      .sort((a, b) => a.span.endOffset - a.span.startOffset - (b.span.endOffset - b.span.startOffset))[0];
    const output = p.columns.find(at);
    const c = output && (!inner || inner.span.startOffset === output.span.startOffset) ? output : inner;
    if (!c) continue;
    const isOutput = c === output;
    const src = c.sources.map((s) =>
      s.asset
        ? `\`${s.asset}.${s.column}\``
        : `\`${s.column}\`${s.candidates?.length ? ` (one of ${s.candidates.map((x) => `\`${x}\``).join(', ')})` : ' (table unknown)'}`,
    );
    const head = `**column** \`${c.name}\`${isOutput && p.columnsOf ? ` of \`${p.columnsOf}\`` : isOutput ? '' : ' (inside the query)'}`;
    const body = src.length
      ? `derives from:\n${listed(src)}`
      : 'derives from no column (a literal or an expression without columns)';
    return { span: c.span, markdown: [head, '', body, ...(c.note ? ['', `_${c.note}_`] : [])].join('\n') };
  }
  return undefined;
}

/** What the lens lists: reads and writes with their code, and the downstream assets with the process reaching each. */
function showArgs(engine: Engine, proc: Process, downstream: ImpactHit[]): ShowLineageArgs {
  const g = engine.lineage.graph();
  const items: ShowLineageArgs['items'] = [];
  const at = (file: string, line: number) => `${engine.workspace.relative(file)}:${line + 1}`;
  const around = tasksAround(g, proc);
  for (const [group, tasks] of [
    ['upstream tasks', around.upstream],
    ['downstream tasks', around.downstream],
  ] as const) {
    for (const t of tasks)
      items.push({
        group,
        label: t.symbol.slice(t.symbol.indexOf('.') + 1),
        detail: `${t.operator ?? 'task'} · ${at(t.file, t.span.start.line)}`,
        uri: pathToUri(t.file),
        line: t.span.start.line,
      });
  }
  // A read opens where its data comes from (the upstream model, the code that writes the table, the source's
  // YAML entry); only what nothing in the workspace makes opens the line that reads it.
  const seen = new Set<string>();
  for (const r of proc.reads) {
    if (seen.has(r.asset.id)) continue;
    seen.add(r.asset.id);
    const writer = g.writersOf(r.asset.id).find((w) => w.id !== proc.id);
    const declared = writer ? undefined : engine.lineage.declarationOf(r.asset.id);
    const from = writer
      ? { file: writer.file, line: writer.span.start.line, what: `from ${writer.symbol}` }
      : declared
        ? { file: declared.file, line: declared.span.start.line, what: 'declared' }
        : undefined;
    const here = at(r.location.file, r.location.span.start.line);
    items.push({
      group: 'reads',
      label: r.asset.name,
      detail: from
        ? `${r.asset.kind} · ${from.what} (${at(from.file, from.line)}) · read at ${here}`
        : `${r.asset.kind} · read at ${here}`,
      uri: pathToUri(from?.file ?? r.location.file),
      line: from?.line ?? r.location.span.start.line,
    });
  }
  for (const r of proc.writes)
    items.push({
      group: 'writes',
      label: r.asset.name,
      detail: `${r.asset.kind} · ${at(r.location.file, r.location.span.start.line)}`,
      uri: pathToUri(r.location.file),
      line: r.location.span.start.line,
    });
  for (const h of downstream) {
    const last = h.path[h.path.length - 1];
    const via = last ? g.processes.get(last.process) : undefined;
    items.push({
      group: 'downstream',
      label: g.assets.get(h.asset)?.name ?? h.asset,
      detail: `${h.distance} step${h.distance === 1 ? '' : 's'}${via ? ` · via ${via.symbol} (${engine.workspace.relative(via.file)}:${toLineRange(via.span).startLine})` : ''}`,
      ...(via ? { uri: pathToUri(via.file), line: via.span.start.line } : {}),
    });
  }
  return { title: `${processJson(engine.root, proc).symbol}: lineage`, items };
}
