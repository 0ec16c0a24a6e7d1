/**
 * The text, line counts and symbol names of every workspace file, kept current through the workspace
 * listener: the LLM features quote snippets from it and check every citation the model makes against it.
 */
import { flattenSymbols } from '../symbols';
import type { CodeSymbol } from '../types';
import type { FileEntry, WorkspaceListener } from '../workspace/workspace';
import type { CitationIndex } from './citations';

interface Known {
  entry: FileEntry;
  text: string;
  /** Offsets where each line starts. */
  lineStarts: number[];
  symbols: Set<string>;
}

export class WorkspaceText implements WorkspaceListener, CitationIndex {
  private readonly files = new Map<string, Known>();
  private readonly byPath = new Map<string, string>();

  fileChanged(entry: FileEntry, text: string): void {
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    if (text.endsWith('\n')) lineStarts.pop();
    const symbols = new Set<string>();
    for (const { symbol, container } of flattenSymbols(entry.symbols)) {
      symbols.add(symbol.name);
      symbols.add([...container, symbol.name].join('.'));
    }
    this.files.set(entry.rel, { entry, text, lineStarts, symbols });
    this.byPath.set(entry.path, entry.rel);
  }

  fileRemoved(absPath: string): void {
    const rel = this.byPath.get(absPath);
    if (rel) this.files.delete(rel);
    this.byPath.delete(absPath);
  }

  lineCount(file: string): number | undefined {
    return this.files.get(file)?.lineStarts.length;
  }

  hasSymbol(file: string, symbol: string): boolean {
    return this.files.get(file)?.symbols.has(symbol) ?? false;
  }

  entry(file: string): FileEntry | undefined {
    return this.files.get(file)?.entry;
  }

  relOf(absPath: string): string | undefined {
    return this.byPath.get(absPath);
  }

  text(file: string): string | undefined {
    return this.files.get(file)?.text;
  }

  /** 1-based inclusive lines of a file, or undefined when the file or lines do not exist. */
  lines(file: string, startLine: number, endLine: number): string | undefined {
    const k = this.files.get(file);
    if (!k || startLine < 1 || endLine < startLine || endLine > k.lineStarts.length) return undefined;
    const end = endLine < k.lineStarts.length ? k.lineStarts[endLine] : k.text.length;
    return k.text.slice(k.lineStarts[startLine - 1], end).replace(/\n$/, '');
  }

  symbolText(file: string, s: CodeSymbol): string | undefined {
    return this.files.get(file)?.text.slice(s.span.startOffset, s.span.endOffset);
  }

  relFiles(): string[] {
    return [...this.files.keys()];
  }
}
