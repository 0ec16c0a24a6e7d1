/**
 * Turns a parsed file into chunks: one per symbol, with exact offsets. A symbol that has children keeps
 * only its own lines (header, docstring, fields between methods) so no text is indexed twice; lines outside
 * every symbol become `code` chunks; anything longer than the limits is split into overlapping pieces.
 * Together the chunks cover every non-blank line of the file.
 */
import { LineTable } from '../text/lineTable';
import path from 'node:path';
import type { LanguageId } from '../parsing/languages';
import type { CodeSymbol } from '../types';
import type { Chunk, ChunkKind } from './types';

export interface ChunkLimits {
  /** Lines per chunk before a symbol is split. */
  maxLines: number;
  /** Lines shared by consecutive pieces of a split symbol. */
  overlapLines: number;
  /** Characters per chunk before a piece is split again by characters (very long lines). */
  maxChars: number;
}

export const DEFAULT_LIMITS: ChunkLimits = { maxLines: 80, overlapLines: 10, maxChars: 6000 };

interface Owner {
  name: string;
  kind: ChunkKind;
  container: string[];
}

export function chunkFile(
  file: string,
  language: LanguageId,
  text: string,
  symbols: CodeSymbol[],
  limits: ChunkLimits = DEFAULT_LIMITS,
): Chunk[] {
  const lines = new LineTable(text);
  const out: Chunk[] = [];
  const emit = (owner: Owner, startOffset: number, endOffset: number) => {
    for (const [so, eo] of pieces(lines, startOffset, endOffset, limits)) {
      const startLine = lines.lineOf(so);
      // An end offset just past a newline belongs to the line before.
      const endLine = Math.max(startLine, lines.lineOf(Math.max(so, eo - 1)));
      out.push({
        file,
        language,
        kind: owner.kind,
        name: owner.name,
        container: owner.container,
        startLine: startLine + 1,
        endLine: endLine + 1,
        startOffset: so,
        endOffset: eo,
        part: 0,
        text: text.slice(so, eo),
      });
    }
  };

  const visit = (children: CodeSymbol[], from: number, to: number, owner: Owner, path: string[]) => {
    // Lines [from, to] (0-based, inclusive) that no child covers belong to the owner.
    const sorted = [...children].sort((a, b) => a.span.startOffset - b.span.startOffset);
    let line = from;
    const flushGap = (until: number) => {
      let a = line;
      let b = until;
      while (a <= b && lines.isBlank(a)) a++;
      while (b >= a && lines.isBlank(b)) b--;
      if (a <= b) emit(owner, lines.start(a), lines.end(b));
    };
    for (const s of sorted) {
      const sl = s.span.start.line;
      const el = endLineOf(s);
      if (sl > line) flushGap(Math.min(sl - 1, to));
      line = Math.max(line, el + 1);
    }
    if (line <= to) flushGap(to);
    for (const s of sorted) {
      const childOwner: Owner = { name: s.name, kind: s.kind, container: path };
      if (s.children.length === 0) {
        emit(childOwner, s.span.startOffset, s.span.endOffset);
      } else {
        visit(s.children, s.span.start.line, endLineOf(s), childOwner, [...path, s.name]);
      }
    }
  };

  visit(symbols, 0, lines.count - 1, { name: path.posix.basename(file), kind: 'code', container: [] }, []);
  return numberParts(out);
}

function endLineOf(s: CodeSymbol): number {
  const e = s.span.end;
  return e.character === 0 && e.line > s.span.start.line ? e.line - 1 : e.line;
}

/** Splits [start, end) into pieces within the limits, by lines with overlap, then by characters. */
function* pieces(lines: LineTable, start: number, end: number, limits: ChunkLimits): Generator<[number, number]> {
  if (end <= start) return;
  const first = lines.lineOf(start);
  const last = lines.lineOf(Math.max(start, end - 1));
  if (last - first + 1 <= limits.maxLines && end - start <= limits.maxChars) {
    yield [start, end];
    return;
  }
  const step = Math.max(1, limits.maxLines - limits.overlapLines);
  for (let a = first; a <= last; a += step) {
    const b = Math.min(last, a + limits.maxLines - 1);
    const so = Math.max(start, lines.start(a));
    const eo = Math.min(end, lines.end(b));
    if (eo - so <= limits.maxChars) {
      if (eo > so) yield [so, eo];
    } else {
      const overlap = Math.floor(limits.maxChars / 10);
      for (let c = so; c < eo; c += limits.maxChars - overlap) {
        yield [c, Math.min(eo, c + limits.maxChars)];
        if (c + limits.maxChars >= eo) break;
      }
    }
    if (b >= last) break;
  }
}

/** Pieces of one symbol are numbered 1, 2, … when there are several; a whole symbol is part 0. */
function numberParts(chunks: Chunk[]): Chunk[] {
  const counts = new Map<string, number>();
  const key = (c: Chunk) => `${c.kind}\0${c.container.join('\0')}\0${c.name}`;
  for (const c of chunks) counts.set(key(c), (counts.get(key(c)) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const c of chunks) {
    const k = key(c);
    if ((counts.get(k) ?? 0) < 2) c.part = 0;
    else {
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      c.part = n;
    }
  }
  return chunks;
}
