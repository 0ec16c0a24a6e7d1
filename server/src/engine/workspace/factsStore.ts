/**
 * The facts of every file (analyze.ts) by workspace-relative path, kept current as a workspace listener and
 * saved beside the index (`facts.json` in the index folder) so that a reopened workspace takes the facts of
 * unchanged files from disk instead of parsing them. Facts are keyed by content hash: a stale or foreign
 * entry is never used, only recomputed. A missing, corrupt or older file is ignored (everything is reparsed).
 */
import { existsSync, promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, type Logger } from '../log';
import type { NameDefaults } from '../lineage/names';
import { FACTS_VERSION, type FileFacts } from './analyze';
import type { FileEntry, WorkspaceListener } from './workspace';

const FILE = 'facts.json';
const FORMAT = 'daglens-facts';

interface SavedFacts {
  format: string;
  version: number;
  /** The catalog/schema defaults Python/Scala lineage drafts were extracted with. */
  names: NameDefaults;
  files: Record<string, FileFacts>;
}

export class FactsStore implements WorkspaceListener {
  private readonly byRel = new Map<string, FileFacts>();
  dirty = false;

  constructor(
    private readonly root: string,
    /** The current defaults: drafts extracted with others are not reused. */
    private readonly names: () => NameDefaults,
  ) {}

  get size(): number {
    return this.byRel.size;
  }

  /** The facts of `rel` if they were computed from the text with this hash. */
  get(rel: string, hash: string): FileFacts | undefined {
    const f = this.byRel.get(rel);
    return f?.hash === hash ? f : undefined;
  }

  set(rel: string, facts: FileFacts): void {
    if (this.byRel.get(rel) === facts) return;
    this.byRel.set(rel, facts);
    this.dirty = true;
  }

  fileChanged(entry: FileEntry, _text: string, facts: FileFacts): void {
    this.set(entry.rel, facts);
  }

  fileRemoved(absPath: string): void {
    if (this.byRel.delete(path.relative(this.root, absPath).split(path.sep).join('/'))) this.dirty = true;
  }

  /** Drops entries for files that are gone. */
  retain(keep: (rel: string) => boolean): void {
    for (const rel of [...this.byRel.keys()])
      if (!keep(rel)) {
        this.byRel.delete(rel);
        this.dirty = true;
      }
  }

  async load(dir: string, log: Logger): Promise<void> {
    const file = path.join(dir, FILE);
    if (!existsSync(file)) return;
    try {
      const saved = JSON.parse(await fs.readFile(file, 'utf8')) as SavedFacts;
      if (saved?.format !== FORMAT || saved.version !== FACTS_VERSION || typeof saved.files !== 'object') {
        log.info(`saved file facts in ${dir} are of another version: files are parsed again`);
        return;
      }
      const names = this.names();
      const sameNames =
        saved.names?.defaultCatalog === names.defaultCatalog && saved.names?.defaultSchema === names.defaultSchema;
      for (const [rel, f] of Object.entries(saved.files)) {
        // Drafts extracted under other catalog/schema defaults would name tables wrongly: parse those again.
        if (!f || typeof f.hash !== 'string' || !Array.isArray(f.symbols) || (f.code && !sameNames)) continue;
        if (!this.byRel.has(rel)) this.byRel.set(rel, f);
      }
    } catch (e) {
      log.warn(`saved file facts in ${dir} not used (${errorMessage(e)}): files are parsed again`);
    }
  }

  save(dir: string): void {
    const saved: SavedFacts = {
      format: FORMAT,
      version: FACTS_VERSION,
      names: this.names(),
      files: Object.fromEntries(this.byRel),
    };
    // Written beside and renamed over: a killed save leaves the previous file whole (facts are hash-checked anyway).
    const file = path.join(dir, FILE);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, JSON.stringify(saved));
      renameSync(tmp, file);
    } finally {
      rmSync(tmp, { force: true });
    }
    this.dirty = false;
  }
}
