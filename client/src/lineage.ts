/**
 * Lineage in the editor: `daglens.showLineage` (palette, hover link, or a lineage lens's list) and
 * `daglens.showImpact`, drawn in the graph panel from `daglens/lineage` and `daglens/impact`.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { z } from 'zod';
import { impactRequest, lineageRequest, ShowLineageArgsSchema, type ShowLineageArgs } from '@daglens/protocol';
import type { Ctx } from './ctx';
import { registerServerCommands } from './serverCommand';
import type { GraphSource } from './webview/graphPanel';
import { impactGraph, lineageGraph } from './webview/lineageGraph';
import { revealLines } from './webview/openLocation';

/** Where a hover link points: a document and a 0-based position. */
export const PlaceArgsSchema = z.object({
  uri: z.string().min(1),
  position: z.object({ line: z.number().int().min(0), character: z.number().int().min(0) }),
});
export type PlaceArgs = z.infer<typeof PlaceArgsSchema>;

function cursorPlace(): PlaceArgs | undefined {
  const e = vscode.window.activeTextEditor;
  if (!e || e.document.uri.scheme !== 'file') return undefined;
  return {
    uri: e.document.uri.toString(),
    position: { line: e.selection.active.line, character: e.selection.active.character },
  };
}

/** The lineage of what is at a place (a table, model or process), else of every process in its file. */
export function lineageSource(ctx: Ctx, place: PlaceArgs): GraphSource {
  const name = path.basename(vscode.Uri.parse(place.uri).fsPath);
  return {
    title: `lineage of ${name}`,
    async load(token) {
      const c = ctx.requireClient();
      const [at, all] = await Promise.all([
        c.sendRequest(impactRequest, { uri: place.uri, position: place.position, direction: 'downstream' }, token),
        c.sendRequest(lineageRequest, {}, token),
      ]);
      if (at.kind !== 'unknown') {
        const isProcess = all.processes.some((p) => p.id === at.start);
        const label = isProcess
          ? all.processes.find((p) => p.id === at.start)?.symbol
          : all.assets.find((a) => a.id === at.start)?.name;
        return lineageGraph(
          all,
          isProcess ? { processes: [at.start] } : { assets: [at.start] },
          `Lineage of ${label ?? at.start}`,
        );
      }
      const inFile = await c.sendRequest(lineageRequest, { uri: place.uri }, token);
      return lineageGraph(all, { processes: inFile.processes.map((p) => p.id) }, `Lineage of ${name}`);
    },
  };
}

export function impactSource(ctx: Ctx, place: PlaceArgs): GraphSource {
  const name = path.basename(vscode.Uri.parse(place.uri).fsPath);
  return {
    title: `impact at ${name}:${place.position.line + 1}`,
    async load(token) {
      const c = ctx.requireClient();
      const [impact, all] = await Promise.all([
        c.sendRequest(impactRequest, { uri: place.uri, position: place.position, direction: 'downstream' }, token),
        c.sendRequest(lineageRequest, {}, token),
      ]);
      if (impact.kind === 'unknown') {
        throw new Error(
          `nothing with lineage at ${name}:${place.position.line + 1}: put the cursor on a table name or inside a SQL statement, dbt model, PySpark job or Airflow task`,
        );
      }
      const label =
        all.processes.find((p) => p.id === impact.start)?.symbol ??
        all.assets.find((a) => a.id === impact.start)?.name ??
        impact.start;
      // A process's own output is what it writes, not what lies downstream of it (as on the lens).
      const beyond = impact.kind === 'process' ? impact.hits.filter((h) => h.distance > 1) : impact.hits;
      return impactGraph(impact, all, `Impact of changing ${label}: ${beyond.length} downstream`);
    },
  };
}

/** A lineage lens's list (reads, writes, downstream) as a quick pick; the first entry draws it as a graph. */
async function showLensList(ctx: Ctx, args: ShowLineageArgs): Promise<void> {
  type Item = vscode.QuickPickItem & { open?: { uri: string; line: number }; graph?: boolean };
  const items: Item[] = [
    {
      label: '$(type-hierarchy) Show as graph',
      detail: 'Upstream and downstream of this code in the graph view',
      graph: true,
    },
  ];
  let group = '';
  for (const it of args.items) {
    if (it.group !== group) {
      group = it.group;
      items.push({ label: group, kind: vscode.QuickPickItemKind.Separator });
    }
    items.push({
      label: it.label,
      detail: it.detail,
      ...(it.uri !== undefined && it.line !== undefined ? { open: { uri: it.uri, line: it.line } } : {}),
    });
  }
  const pick = await vscode.window.showQuickPick(items, { title: args.title, matchOnDetail: true });
  if (pick?.graph) {
    const place = cursorPlace();
    if (place) await ctx.graph.show(lineageSource(ctx, place));
  } else if (pick?.open) {
    await revealLines(vscode.Uri.parse(pick.open.uri), pick.open.line, pick.open.line);
  }
}

export function registerLineage(ctx: Ctx): vscode.Disposable[] {
  const nothingOpen = () =>
    void vscode.window.showInformationMessage(
      'DagLens: open a SQL, dbt, PySpark or Airflow file (and put the cursor on a table or inside a statement) first.',
    );
  return registerServerCommands(ctx, {
    'daglens.showLineage': {
      enabled: () => async (arg) => {
        const lens = ShowLineageArgsSchema.safeParse(arg);
        if (arg !== undefined && lens.success) return showLensList(ctx, lens.data);
        const place = PlaceArgsSchema.safeParse(arg);
        const at = place.success ? place.data : cursorPlace();
        if (!at) return nothingOpen();
        await ctx.graph.show(lineageSource(ctx, at));
      },
    },
    'daglens.showImpact': {
      enabled: () => async (arg) => {
        const place = PlaceArgsSchema.safeParse(arg);
        const at = place.success ? place.data : cursorPlace();
        if (!at) return nothingOpen();
        await ctx.graph.show(impactSource(ctx, at));
      },
    },
  });
}
