/**
 * The engine's view of a workspace: which files exist, their current text (an open editor's text wins
 * over the disk), and the symbols parsed from them. Knows nothing of LSP or VS Code.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EngineSettings } from '../config';
import { errorMessage, type Logger } from '../log';
import { DEFAULT_NAMES } from '../lineage/names';
import { languageOf, type LanguageId } from '../parsing/languages';
import { flattenSymbols } from '../symbols';
import type { CodeSymbol } from '../types';
import { analyze, type FileFacts } from './analyze';
import { discover, type Discovery, type SkippedFile } from './discovery';

export interface FileEntry {
  /** Absolute path. */
  path: string;
  rel: string;
  lang: LanguageId;
  symbols: CodeSymbol[];
  hasErrors: boolean;
  /** contentHash of the text the entry was made from. */
  hash: string;
}

export interface WorkspaceSymbolHit {
  symbol: CodeSymbol;
  container: string[];
  file: FileEntry;
}

/** What engine features (index, lineage, …) hear when a file's content changes or it goes away. */
export interface WorkspaceListener {
  /** Called after a file's content changed. `text` is the original text; `facts` what its one parse gave. */
  fileChanged?(entry: FileEntry, text: string, facts: FileFacts): void;
  fileRemoved?(absPath: string): void;
}

export interface ScanProgress {
  done: number;
  total: number;
}

export class Workspace {
  private readonly files = new Map<string, FileEntry>();
  private lastSkipped: SkippedFile[] = [];
  private readonly listeners: WorkspaceListener[] = [];

  constructor(
    readonly root: string,
    private settings: EngineSettings,
    private readonly log: Logger,
  ) {}

  updateSettings(settings: EngineSettings): void {
    this.settings = settings;
  }

  listen(listener: WorkspaceListener): void {
    this.listeners.push(listener);
  }

  get skipped(): readonly SkippedFile[] {
    return this.lastSkipped;
  }

  /** What the last discovery left out (set by whoever discovered: scan() or the index sync). */
  set skipped(files: readonly SkippedFile[]) {
    this.lastSkipped = [...files];
  }

  get size(): number {
    return this.files.size;
  }

  /** Discovers and parses every source file; yields to the event loop between files so requests keep flowing. */
  async scan(onProgress?: (p: ScanProgress) => void, signal?: AbortSignal): Promise<Discovery> {
    const found = await discover(this.root, this.settings, signal);
    this.lastSkipped = found.skipped;
    for (const s of found.skipped) this.log.info(`skipped ${s.rel}: ${s.reason} (${s.detail})`);
    let done = 0;
    for (const f of found.files) {
      if (signal?.aborted) break;
      try {
        const text = await fs.readFile(f.path, 'utf8');
        this.setText(f.path, text, f.lang);
      } catch (e) {
        this.log.warn(`could not read ${f.rel}: ${errorMessage(e)}`);
      }
      done++;
      if (done % 25 === 0) {
        onProgress?.({ done, total: found.files.length });
        await new Promise((r) => setImmediate(r));
      }
    }
    onProgress?.({ done, total: found.files.length });
    return found;
  }

  /** Parses new text for a file (from disk or an editor). Unknown languages are ignored. */
  setText(filePath: string, text: string, lang?: LanguageId): FileEntry | undefined {
    const l = lang ?? languageOf(filePath);
    if (!l) return undefined;
    const abs = path.resolve(this.root, filePath);
    let facts: FileFacts;
    try {
      facts = analyze(l, text, abs, { ...DEFAULT_NAMES, ...this.settings.lineage });
    } catch (e) {
      // A grammar failure must not take the server down: keep the previous symbols and say so.
      this.log.error(`parsing ${this.relative(abs)} failed: ${errorMessage(e)}`);
      return this.files.get(abs);
    }
    return this.adopt(abs, text, l, facts);
  }

  /** Takes a file whose facts were computed elsewhere (an index worker, the saved index): no parse here. */
  adopt(filePath: string, text: string, lang: LanguageId, facts: FileFacts): FileEntry {
    const abs = path.resolve(this.root, filePath);
    const entry: FileEntry = {
      path: abs,
      rel: this.relative(abs),
      lang,
      symbols: facts.symbols,
      hasErrors: facts.hasErrors,
      hash: facts.hash,
    };
    this.files.set(abs, entry);
    for (const l of this.listeners) {
      try {
        l.fileChanged?.(entry, text, facts);
      } catch (e) {
        this.log.error(`processing ${entry.rel} failed: ${errorMessage(e)}`);
      }
    }
    return entry;
  }

  remove(filePath: string): void {
    const abs = path.resolve(this.root, filePath);
    if (!this.files.delete(abs)) return;
    for (const l of this.listeners) {
      try {
        l.fileRemoved?.(abs);
      } catch (e) {
        this.log.error(`removing ${this.relative(abs)} failed: ${errorMessage(e)}`);
      }
    }
  }

  get(filePath: string): FileEntry | undefined {
    return this.files.get(path.resolve(this.root, filePath));
  }

  all(): FileEntry[] {
    return [...this.files.values()].sort((a, b) => a.rel.localeCompare(b.rel));
  }

  /** Symbols whose name matches the query (case-insensitive subsequence, best matches first). */
  findSymbols(query: string, limit = 500): WorkspaceSymbolHit[] {
    const q = query.toLowerCase();
    const hits: Array<WorkspaceSymbolHit & { score: number }> = [];
    for (const file of this.all()) {
      for (const { symbol, container } of flattenSymbols(file.symbols)) {
        const score = matchScore(symbol.name.toLowerCase(), q);
        if (score > 0) hits.push({ symbol, container, file, score });
      }
    }
    hits.sort(
      (a, b) =>
        b.score - a.score ||
        a.file.rel.localeCompare(b.file.rel) ||
        a.symbol.span.startOffset - b.symbol.span.startOffset,
    );
    return hits.slice(0, limit);
  }

  relative(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }
}

/** 0 = no match; exact > prefix > substring > subsequence. */
export function matchScore(name: string, q: string): number {
  if (!q) return 1;
  if (name === q) return 4;
  if (name.startsWith(q)) return 3;
  if (name.includes(q)) return 2;
  let i = 0;
  for (const ch of name) if (ch === q[i]) i++;
  return i === q.length ? 1 : 0;
}
