/** Context chips for the chat: from the active editor (file or selection) or from a command's arguments. */
import path from 'node:path';
import * as vscode from 'vscode';
import { z } from 'zod';
import type { ChatContext } from '@daglens/protocol';

const MAX_TEXT = 20_000;

export function contextFromEditor(editor: vscode.TextEditor): ChatContext {
  const doc = editor.document;
  const name = path.basename(doc.uri.fsPath);
  const sel = editor.selection;
  if (!sel.isEmpty) {
    const start = sel.start.line + 1;
    // A selection ending at column 0 of a line does not include that line.
    const end = Math.max(
      start,
      sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1,
    );
    return {
      id: `sel:${doc.uri.fsPath}:${start}-${end}`,
      kind: 'selection',
      label: `${name}:${start}${end !== start ? `-${end}` : ''}`,
      range: { file: doc.uri.fsPath, startLine: start, endLine: end },
      text: doc.getText(sel).slice(0, MAX_TEXT),
    };
  }
  return {
    id: `file:${doc.uri.fsPath}`,
    kind: 'file',
    label: name,
    range: { file: doc.uri.fsPath, startLine: 1, endLine: Math.max(1, doc.lineCount) },
  };
}

/** Arguments of `daglens.askAbout` from hover links, lenses and the graph (checked: command URIs are input). */
export const AskAboutArgsSchema = z.object({
  kind: z.enum(['selection', 'dagNode']).default('selection'),
  label: z.string().min(1).max(300),
  file: z.string().min(1),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1).optional(),
  text: z.string().max(MAX_TEXT).optional(),
});

export function contextFromArgs(raw: unknown): ChatContext | undefined {
  const a = AskAboutArgsSchema.safeParse(raw);
  if (!a.success) return undefined;
  const { kind, label, file, startLine, text } = a.data;
  const endLine = Math.max(startLine, a.data.endLine ?? startLine);
  return {
    id: `${kind}:${file}:${startLine}:${label}`,
    kind,
    label,
    range: { file, startLine, endLine },
    text: text ?? label,
  };
}
