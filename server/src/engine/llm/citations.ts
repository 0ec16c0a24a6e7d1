/**
 * Nothing the model cites is trusted: a citation survives only if its file is in the workspace index, its
 * lines lie inside the file, and the symbol it names (if any) is declared in that file.
 */
export interface Citation {
  /** Workspace-relative path, '/'-separated. */
  file: string;
  /** 1-based inclusive. */
  startLine: number;
  endLine: number;
  symbol?: string;
}

/** What citation checking needs to know about the workspace. */
export interface CitationIndex {
  /** Number of lines of the file, or undefined when the workspace has no such file. */
  lineCount(file: string): number | undefined;
  /** Whether `symbol` (a bare or dotted name) is declared in `file`. */
  hasSymbol(file: string, symbol: string): boolean;
}

export interface CheckedCitations {
  kept: Citation[];
  dropped: Array<{ citation: Citation; reason: string }>;
}

export function normaliseFile(file: string): string {
  return file.trim().replace(/\\/g, '/').replace(/^\.\//, '');
}

export function checkCitations(citations: readonly Citation[], index: CitationIndex): CheckedCitations {
  const kept: Citation[] = [];
  const dropped: CheckedCitations['dropped'] = [];
  const seen = new Set<string>();
  for (const c of citations) {
    const file = normaliseFile(c.file);
    const lines = index.lineCount(file);
    const reason =
      lines === undefined
        ? `no file ${file} in the workspace`
        : !Number.isInteger(c.startLine) || !Number.isInteger(c.endLine) || c.startLine < 1 || c.endLine < c.startLine
          ? `bad line range ${c.startLine}-${c.endLine}`
          : c.endLine > lines
            ? `${file} has ${lines} lines, not ${c.endLine}`
            : c.symbol && !index.hasSymbol(file, c.symbol)
              ? `no symbol ${c.symbol} in ${file}`
              : undefined;
    if (reason) {
      dropped.push({ citation: c, reason });
      continue;
    }
    const key = `${file}:${c.startLine}-${c.endLine}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push({ ...c, file });
  }
  return { kept, dropped };
}
