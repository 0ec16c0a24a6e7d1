/**
 * DAG → code in the editor: the `daglens/mapDag` request (with progress and cancellation), a code lens on
 * every operator line of a plan file ("→ q1.sql:12 · 0.93", "unmapped") that opens the code, go-to-
 * definition from an operator to its code, and, in code, a lens listing the plan nodes that map to a
 * line. Thin: engine.dag maps and caches; this only routes and renders.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, ResponseError, type CodeLens, type Hover, type Location } from 'vscode-languageserver/node';
import type { Engine } from '../../engine/engine';
import { errorMessage } from '../../engine/log';
import { runtimeArtefact } from '../../engine/runs/detect';
import { noNodesMessage } from '../../engine/dag/errors';
import { decodeDagBytes } from '../../engine/dag/ingest/decode';
import {
  MapDagParamsSchema,
  mapDag,
  OPEN_LOCATION_COMMAND,
  type DagMapResult,
  type DagNodeMapping,
  type OpenLocationArgs,
} from '../../protocol';
import type { Feature, ServerContext } from '../context';
import { engineFor, fileTarget, validated, withCancellation } from '../handlers';
import { pathToUri, uriToPath } from '../uris';

/** Plan text as Spark prints it (other DAG formats are JSON and carry no lines to put lenses on). */
const PLAN_START = /^\s*== (Physical Plan|Parsed Logical Plan|Analyzed Logical Plan|Optimized Logical Plan) ==/m;

export function isPlanDocument(uri: string, languageId: string | undefined, text: string): boolean {
  if (languageId === 'sparkplan' || /\.sparkplan$/i.test(uri)) return true;
  if (languageId && !['plaintext', 'log', 'sparkplan'].includes(languageId)) return false;
  return PLAN_START.test(text.slice(0, 20_000));
}

interface Mapped {
  result: DagMapResult;
  engine: Engine;
  planPath: string;
}

export const dagMappingFeature: Feature = {
  capabilities: { codeLensProvider: { resolveProvider: false }, definitionProvider: true, hoverProvider: true },
  register(ctx) {
    const { connection, documents, log } = ctx;
    /** Last mapping of each plan this session (plan uri → result): feeds the lenses shown in code. */
    const mapped = new Map<string, Mapped>();

    /** `verify`: let the LLM check low/ambiguous nodes (the explicit command); otherwise only cached verdicts apply (lenses never spend). */
    async function mapUri(
      uri: string,
      text?: string,
      signal?: AbortSignal,
      onProgress?: (done: number, total: number) => void,
      verify = false,
    ): Promise<Mapped> {
      // A plan outside every folder maps against the (first) workspace folder.
      const { engine, file: planPath } = fileTarget(ctx, uri, 'firstFolder');
      // A run holds one plan per execution: it belongs in the Spark Runs view, not in a plan mapping.
      const run = text === undefined ? runtimeArtefact(planPath) : undefined;
      if (run)
        throw new ResponseError(
          ErrorCodes.InvalidParams,
          `${path.basename(planPath)} is ${run.what}, not a plan: open it in the Spark Runs view (DagLens: Open Spark Run…)`,
        );
      let body = text ?? documents.get(uri)?.getText();
      if (body === undefined) {
        let bytes: Buffer;
        try {
          bytes = await fs.readFile(planPath);
        } catch (e) {
          throw new ResponseError(ErrorCodes.InvalidParams, `cannot read ${planPath}: ${errorMessage(e)}`);
        }
        const decoded = decodeDagBytes(bytes);
        if (decoded.notText)
          throw new ResponseError(
            ErrorCodes.InvalidParams,
            `${path.basename(planPath)} is not a DAG: ${decoded.notText}`,
          );
        body = decoded.text;
      }
      const {
        cached: _c,
        resumed: _r,
        ...offline
      } = await engine.dag.map(body, {
        fileName: path.basename(planPath),
        filePath: planPath,
        signal,
        onProgress: onProgress && ((p) => onProgress(p.done, p.total)),
      });
      // Nothing to map: one error the editor shows, instead of a count of zero and a problem list in the log.
      if (offline.dag.nodes.length === 0)
        throw new ResponseError(ErrorCodes.InvalidParams, noNodesMessage(path.basename(planPath), offline.problems));
      let result: DagMapResult = offline;
      if (engine.llm.state === 'ready') {
        const { verification: _v, ...verified } = await engine.llm.verifyDag(offline, { signal, cacheOnly: !verify });
        result = verified;
      }
      const m = { result, engine, planPath };
      mapped.set(uri, m);
      return m;
    }

    connection.onRequest(
      mapDag,
      validated(mapDag, MapDagParamsSchema, async ({ uri, text }, token) => {
        const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
        progress?.begin('DagLens: mapping DAG to code', 0, path.basename(uriToPath(uri) ?? uri), true);
        const report = (done: number, total: number) =>
          progress?.report(total ? Math.round((done / total) * 100) : 100, `${done}/${total} nodes`);
        try {
          return await withCancellation([token, progress?.token], async (signal) => {
            // A mapping against a half-read workspace would be wrong with confidence: wait for the read to end.
            if (ctx.freshness.reading) {
              progress?.report(0, 'waiting for the workspace to be read');
              await ctx.session().scanned;
            }
            const m = await mapUri(uri, text, signal, report, true);
            void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
            return m.result;
          });
        } finally {
          progress?.done();
        }
      }),
    );

    connection.onCodeLens(async (params): Promise<CodeLens[]> => {
      const doc = documents.get(params.textDocument.uri);
      if (!(await lensesEnabled(ctx))) return [];
      try {
        if (doc && isPlanDocument(doc.uri, doc.languageId, doc.getText())) {
          // A plan too large to map on every lens request: one lens saying so (the explicit command still maps it).
          const tooLarge = oversizedPlan(ctx, doc.uri, doc.getText().length);
          if (tooLarge) return [messageLens(tooLarge)];
          // Operators mapped against a half-read workspace would read `unmapped` or worse: one lens says why, and
          // the refresh at the end of the read brings the real ones.
          if (ctx.freshness.reading)
            return [messageLens('DagLens: reading the workspace… operator lenses appear when it is read')];
          return planLenses(await mapUri(doc.uri));
        }
        const p = ctx.pathOf(params.textDocument.uri);
        return p ? codeLenses(mapped, p) : [];
      } catch (e) {
        // A plan that does not read: the reason, once, where the user looks (not a log line per lens refresh).
        if (e instanceof ResponseError && e.code === ErrorCodes.InvalidParams)
          return [messageLens(`DagLens: ${e.message}`)];
        log.warn(`DAG lenses for ${params.textDocument.uri}: ${errorMessage(e)}`);
        return [];
      }
    });

    connection.onHover(async (params): Promise<Hover | null> => {
      const doc = documents.get(params.textDocument.uri);
      if (
        !doc ||
        !isPlanDocument(doc.uri, doc.languageId, doc.getText()) ||
        oversizedPlan(ctx, doc.uri, doc.getText().length)
      )
        return null;
      if (ctx.freshness.reading)
        return {
          contents: {
            kind: 'markdown',
            value: 'DagLens is still reading the workspace: operators are mapped when it is read.',
          },
        };
      const m = mapped.get(doc.uri) ?? (await mapUri(doc.uri).catch(() => undefined));
      if (!m) return null;
      const i = m.result.dag.nodes.findIndex((n) => n.line === params.position.line + 1);
      return i < 0
        ? null
        : {
            contents: {
              kind: 'markdown',
              value: hoverMarkdown(
                m.result.dag.nodes[i].operator,
                m.result.mappings[i],
                codeLinks(m.engine, m.result.mappings[i]),
              ),
            },
          };
    });

    connection.onDefinition(async (params): Promise<Location[]> => {
      const doc = documents.get(params.textDocument.uri);
      if (
        !doc ||
        !isPlanDocument(doc.uri, doc.languageId, doc.getText()) ||
        oversizedPlan(ctx, doc.uri, doc.getText().length)
      )
        return [];
      const m = mapped.get(doc.uri) ?? (await mapUri(doc.uri).catch(() => undefined));
      if (!m) return [];
      const line = params.position.line + 1;
      const i = m.result.dag.nodes.findIndex((n) => n.line === line);
      const best = i >= 0 ? m.result.mappings[i].best : null;
      if (!best) return [];
      return [
        {
          uri: pathToUri(path.resolve(m.engine.root, best.file)),
          range: {
            start: { line: best.startLine - 1, character: 0 },
            end: { line: best.endLine - 1, character: Number.MAX_SAFE_INTEGER },
          },
        },
      ];
    });
  },
};

/** Why a plan document gets no lenses or hovers (over `daglens.maxFileBytes`), or undefined when it does. */
function oversizedPlan(ctx: ServerContext, uri: string, length: number): string | undefined {
  const { engine, file } = engineFor(ctx, uri);
  const limit = file ? engine.settings.maxFileBytes : 1_000_000;
  if (length <= limit) return undefined;
  return `DagLens: this plan (${(length / 1e6).toFixed(1)} MB) is over daglens.maxFileBytes (${(limit / 1e6).toFixed(1)} MB): no lenses — run "DagLens: Map DAG to Code" to map it`;
}

function messageLens(title: string): CodeLens {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    command: { title, command: '' },
  };
}

async function lensesEnabled(ctx: ServerContext): Promise<boolean> {
  return ctx.session().lensEnabled('dagMapping');
}

function openArgs(engine: Engine, file: string, startLine: number, endLine: number): OpenLocationArgs {
  return { uri: pathToUri(path.resolve(engine.root, file)), startLine: startLine - 1, endLine: endLine - 1 };
}

function lensTitle(m: DagNodeMapping): string {
  const b = m.best;
  if (!b)
    return m.status === 'unmapped' && m.alternatives.length
      ? `unmapped (best guess ${path.basename(m.alternatives[0].file)}:${m.alternatives[0].startLine})`
      : 'unmapped';
  const at = `${path.basename(b.file)}:${b.startLine}`;
  return m.status === 'derived' ? `→ ${at} · derived` : `→ ${at} · ${b.confidence.toFixed(2)}`;
}

function planLenses({ result, engine }: Mapped): CodeLens[] {
  const out: CodeLens[] = [];
  result.dag.nodes.forEach((n, i) => {
    if (!n.line) return;
    const m = result.mappings[i];
    const range = { start: { line: n.line - 1, character: 0 }, end: { line: n.line - 1, character: 0 } };
    const b = m.best;
    out.push({
      range,
      command: b
        ? {
            title: lensTitle(m),
            tooltip: b.explanation,
            command: OPEN_LOCATION_COMMAND,
            arguments: [openArgs(engine, b.file, b.startLine, b.endLine)],
          }
        : { title: lensTitle(m), command: '' },
    });
  });
  return out;
}

/** In code: one lens per mapped line, naming the plan nodes (not derived ones) that point there. */
function codeLenses(mapped: Map<string, Mapped>, filePath: string): CodeLens[] {
  const byLine = new Map<number, Array<{ plan: Mapped; operator: string; line: number | null }>>();
  for (const m of mapped.values()) {
    const rel = m.engine.workspace.relative(filePath);
    m.result.dag.nodes.forEach((n, i) => {
      const map = m.result.mappings[i];
      if (!map.best || map.status === 'derived' || map.status === 'unmapped' || map.best.file !== rel) return;
      const list = byLine.get(map.best.startLine) ?? [];
      list.push({ plan: m, operator: n.operator, line: n.line });
      byLine.set(map.best.startLine, list);
    });
  }
  const out: CodeLens[] = [];
  for (const [line, nodes] of [...byLine].sort((a, b) => a[0] - b[0])) {
    const first = nodes[0];
    const plans = new Set(nodes.map((n) => path.basename(n.plan.planPath)));
    const names =
      nodes
        .slice(0, 4)
        .map((n) => `${n.operator}${n.line ? ` (l.${n.line})` : ''}`)
        .join(', ') + (nodes.length > 4 ? ` +${nodes.length - 4}` : '');
    out.push({
      range: { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } },
      command: {
        title: `⬡ ${[...plans].join(', ')}: ${names}`,
        command: OPEN_LOCATION_COMMAND,
        arguments: [
          {
            uri: pathToUri(first.plan.planPath),
            startLine: Math.max(0, (first.line ?? 1) - 1),
            endLine: Math.max(0, (first.line ?? 1) - 1),
          } satisfies OpenLocationArgs,
        ],
      },
    });
  }
  return out;
}

/**
 * "Show lineage · Impact" of the code an operator maps to, placed at the start of that code's lineage process
 * (its statement, model or job); nothing where that code has no lineage, so no link leads to an error.
 */
function codeLinks(engine: Engine, m: DagNodeMapping): string {
  if (!m.best || m.status === 'unmapped') return '';
  const file = path.resolve(engine.root, m.best.file);
  const proc = engine.lineage.graph().processesAt(file, engine.lineage.offsetOf(file, m.best.startLine - 1, 0))[0];
  if (!proc) return '';
  const arg = encodeURIComponent(
    JSON.stringify([
      { uri: pathToUri(file), position: { line: proc.span.start.line, character: proc.span.start.character } },
    ]),
  );
  const name = proc.symbol.replace(/["\\]/g, '');
  return `[$(type-hierarchy-sub) Show lineage](command:daglens.showLineage?${arg} "Lineage of ${name}") · [$(warning) Impact](command:daglens.showImpact?${arg} "Everything downstream of ${name}")`;
}

/** Hover on an operator line: where it maps, how sure and why, the runners-up, and links to its code's lineage. */
function hoverMarkdown(operator: string, m: DagNodeMapping, links = ''): string {
  const place = (b: NonNullable<DagNodeMapping['best']>) =>
    `\`${b.file}:${b.startLine}${b.endLine > b.startLine ? `-${b.endLine}` : ''}\` (${b.symbol})`;
  const out = [
    `**${operator}** — ${m.status}${m.best && m.status !== 'derived' ? ` · ${m.best.confidence.toFixed(2)}` : ''}`,
  ];
  if (m.best) out.push(`${place(m.best)}: ${m.best.explanation}`);
  else out.push('No code matches this operator well enough to say.');
  if (m.alternatives.length)
    out.push(`Also possible: ${m.alternatives.map((a) => `${place(a)} · ${a.confidence.toFixed(2)}`).join('; ')}`);
  if (links) out.push(links);
  return out.join('\n\n');
}
