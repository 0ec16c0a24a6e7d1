/**
 * The DAG mapping feature of an engine: keeps the source units of the workspace's SQL, Python and Scala
 * files up to date (built lazily, per file, when a mapping needs them), and maps DAG texts through the
 * job runner with a cache keyed by (DAG content hash, index version). dbt manifests map by file and
 * model name; Spark plans through the operator mapper.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DagMapResult } from '../../protocol/contracts';
import { errorMessage, type Logger } from '../log';
import type { FileEntry, WorkspaceListener } from '../workspace/workspace';
import type { Process } from '../lineage/model';
import { DEFAULT_DAG_LIMITS, ingestDag, type DagLimits } from './ingest';
import { summariseProblems } from './errors';
import { airflowDag } from './ingest/airflow';
import { validateDag, type IngestResult } from './model';
import { dagHash, MemoryJobStore, runMappingJob, type JobOptions, type JobStore } from './jobs';
import { mapManifest, namesItsFiles } from './mapping/dbtMapper';
import type { SourceUnit } from './source/anchors';
import { linkUnits } from './source/link';
import { buildUnit } from './source/units';

const MAPPED_LANGS = new Set(['sql', 'python', 'scala', 'java', 'yaml']);

interface FileState {
  rel: string;
  lang: string;
  text: string;
  hash: string;
  unit?: SourceUnit | null;
}

export interface MapRequest extends Omit<JobOptions, 'store'> {
  /** Name of the DAG file (format detection, messages). */
  fileName?: string;
  /** Absolute path of the DAG file, when it has one (an Airflow DAG is read from the lineage of that file). */
  filePath?: string;
}

/** The Airflow tasks the lineage engine found in a file (engine.lineage.processesIn). */
export type AirflowTasks = (absPath: string) => Process[];

export class DagService implements WorkspaceListener {
  private readonly files = new Map<string, FileState>();
  private versionCache: string | undefined;

  constructor(
    private readonly root: string,
    private readonly log: Logger,
    /** `daglens.mapping.maxParallel`, read at each job (settings can change between jobs). */
    private readonly maxParallel: () => number = () => 4,
    private readonly store: JobStore = new MemoryJobStore(),
    private readonly airflowTasks?: AirflowTasks,
    /** `daglens.limits.*`, read at each mapping. */
    private readonly limits: () => DagLimits = () => DEFAULT_DAG_LIMITS,
  ) {}

  fileChanged(entry: FileEntry, text: string): void {
    if (!MAPPED_LANGS.has(entry.lang)) return;
    // The workspace hashed the text already (entries made elsewhere may not carry it).
    const hash = entry.hash || createHash('sha1').update(text).digest('hex');
    const prev = this.files.get(entry.path);
    if (prev?.hash === hash) return;
    this.files.set(entry.path, { rel: entry.rel, lang: entry.lang, text, hash });
    this.versionCache = undefined;
  }

  fileRemoved(absPath: string): void {
    if (this.files.delete(absPath)) this.versionCache = undefined;
  }

  /** Changes whenever a mapped file's content does: half of every cache key. */
  get indexVersion(): string {
    if (!this.versionCache) {
      const h = createHash('sha1');
      for (const [p, f] of [...this.files].sort((a, b) => a[0].localeCompare(b[0]))) h.update(`${p}\0${f.hash}\n`);
      this.versionCache = h.digest('hex').slice(0, 16);
    }
    return this.versionCache;
  }

  /** Source units of every mapped file (built on first use after a change), linked across files. */
  units(): SourceUnit[] {
    const version = this.indexVersion;
    if (this.linked?.version !== version) this.linked = { version, units: linkUnits(this.fileUnits()) };
    return this.linked.units;
  }

  private linked: { version: string; units: SourceUnit[] } | undefined;

  private fileUnits(): SourceUnit[] {
    const out: SourceUnit[] = [];
    for (const f of this.files.values()) {
      if (f.unit === undefined) {
        try {
          f.unit = buildUnit(f.rel, f.text, f.lang) ?? null;
        } catch (e) {
          // One odd file must not stop mapping the rest.
          this.log.warn(`could not read ${f.rel} for DAG mapping: ${errorMessage(e)}`);
          f.unit = null;
        }
      }
      if (f.unit) out.push(f.unit);
    }
    return out.sort((a, b) => a.file.localeCompare(b.file));
  }

  /** The SQL, Python and Scala files the mapper reads, with their text (runs locate executions in them). */
  sourceFiles(): Array<{ rel: string; lang: string; text: string }> {
    const out: Array<{ rel: string; lang: string; text: string }> = [];
    for (const f of this.files.values()) if (f.lang !== 'yaml') out.push({ rel: f.rel, lang: f.lang, text: f.text });
    return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  }

  /**
   * Maps a DAG already read (a run's execution, enriched with what the run knows) under a key naming its
   * content; cached like `map`.
   */
  async mapIngested(
    ingest: IngestResult,
    contentKey: string,
    req: MapRequest = {},
  ): Promise<DagMapResult & { cached: boolean; resumed: number }> {
    const key = `${dagHash(contentKey)}-${this.indexVersion}`;
    return runMappingJob(key, ingest, this.units(), { maxParallel: this.maxParallel(), ...req, store: this.store });
  }

  /** The text of a workspace file by relative path (for dbt manifests' original_file_path). */
  textOf(rel: string): string | undefined {
    return this.files.get(path.resolve(this.root, rel))?.text;
  }

  private isAirflowFile(text: string, req: MapRequest): boolean {
    return !!this.airflowTasks && !!req.filePath && /\.py$/i.test(req.filePath) && /\bairflow\b/.test(text);
  }

  private airflow(filePath: string) {
    const r = airflowDag(this.airflowTasks!(filePath), (abs) =>
      path.relative(this.root, abs).split(path.sep).join('/'),
    );
    const v = validateDag(r.dag);
    return { ...r, dag: v.dag, problems: [...r.problems, ...v.problems] };
  }

  async map(text: string, req: MapRequest = {}): Promise<DagMapResult & { cached: boolean; resumed: number }> {
    const started = performance.now();
    const ingest = this.isAirflowFile(text, req)
      ? this.airflow(req.filePath!)
      : ingestDag(text, req.fileName ?? '', this.limits());
    // One line for the log, not one per problem: the adapters turn an empty DAG into one clear error (noNodesMessage).
    if (ingest.problems.length) this.log.info(`${req.fileName ?? 'DAG'}: ${summariseProblems(ingest.problems)}`);
    if (namesItsFiles(ingest)) {
      return {
        ...mapManifest(ingest, (rel) => this.textOf(rel), this.units(), performance.now() - started),
        cached: false,
        resumed: 0,
      };
    }
    const key = `${dagHash(text)}-${this.indexVersion}`;
    return runMappingJob(key, ingest, this.units(), { maxParallel: this.maxParallel(), ...req, store: this.store });
  }
}
