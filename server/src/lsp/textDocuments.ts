/**
 * The open documents, with incremental edits clamped to the document before they are applied.
 * vscode-languageserver-textdocument trusts an edit's line numbers: a change whose range ends past the last line
 * (line 2^31, as a buggy client or a fuzzer sends) writes a line offset at that index, making a sparse array of
 * two billion entries that the next edit walks — the server hangs, then runs out of memory.
 */
import type { TextDocumentContentChangeEvent, TextDocumentsConfiguration } from 'vscode-languageserver';
import { TextDocument, type Position } from 'vscode-languageserver-textdocument';

/** `p` moved inside `doc`: a line past the end becomes the end of the document; fractions and NaN become whole. */
function clampPosition(doc: TextDocument, p: Position): Position {
  const line = Number.isFinite(p.line) ? Math.floor(p.line) : 0;
  const character = Number.isFinite(p.character) ? Math.max(0, Math.floor(p.character)) : 0;
  if (line < 0) return { line: 0, character: 0 };
  if (line >= doc.lineCount) return doc.positionAt(doc.getText().length);
  // Past the end of its line: the library clamps the offset, but keep the position exact for the offset table.
  return doc.positionAt(doc.offsetAt({ line, character }));
}

/** One change made safe to apply to `doc` as it is now. */
export function clampChange(doc: TextDocument, change: TextDocumentContentChangeEvent): TextDocumentContentChangeEvent {
  if (!('range' in change) || !change.range) return change;
  const { start, end } = change.range;
  return { ...change, range: { start: clampPosition(doc, start), end: clampPosition(doc, end) } };
}

/** Applies `changes` one by one (each range refers to the document as the previous change left it). */
export function applyChanges(
  doc: TextDocument,
  changes: TextDocumentContentChangeEvent[],
  version: number,
): TextDocument {
  let current = doc;
  for (const change of changes) current = TextDocument.update(current, [clampChange(current, change)], version);
  return current;
}

export const safeTextDocuments: TextDocumentsConfiguration<TextDocument> = {
  create: TextDocument.create,
  update: applyChanges,
};
