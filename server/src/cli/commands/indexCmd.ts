import path from 'node:path';
import { DEFAULT_EXCLUDE } from '../../engine/config';
import { Engine } from '../../engine/engine';
import { syncIndex, type SyncReport } from '../../engine/index/indexer';
import { defaultIndexDir } from '../../engine/index/location';
import { unwritableReason } from '../../engine/durableFs';
import type { IndexReportDto } from '../../protocol';
import { intOption, UserError, workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';

/** Shared by `index` and `search`: an engine whose index is loaded from disk and brought up to date. */
export async function openIndexedEngine(
  values: Record<string, unknown>,
): Promise<{ engine: Engine; report: SyncReport; indexDir?: string }> {
  const root = workspaceDir(values.workspace);
  const log = stderrLogger(!!values.verbose);
  const extra = Array.isArray(values.exclude) ? (values.exclude as string[]) : [];
  const engine = new Engine({
    root,
    log,
    settings: {
      maxFileBytes: intOption(values['max-file-bytes'], 'max-file-bytes', 1_000_000),
      exclude: [...DEFAULT_EXCLUDE, ...extra],
    },
  });
  const indexDir = values['no-save']
    ? undefined
    : path.resolve(typeof values['index-dir'] === 'string' ? values['index-dir'] : defaultIndexDir(root));
  // A folder the index cannot be saved in fails now, not after the whole workspace was indexed.
  const unusable = indexDir && unwritableReason(indexDir);
  if (unusable)
    throw new UserError(
      `${typeof values['index-dir'] === 'string' ? '--index-dir' : 'the index folder'}: ${unusable} — choose a writable --index-dir, or --no-save`,
    );
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0))
    throw new UserError(`--workers must be 0 or more, got '${String(values.workers)}'`);
  const report = await syncIndex(engine.index, engine.settings, log, { indexDir, workers });
  return { engine, report, indexDir };
}

export const indexOptions = {
  workspace: { type: 'string', short: 'w' },
  'index-dir': { type: 'string' },
  'no-save': { type: 'boolean' },
  'max-file-bytes': { type: 'string' },
  exclude: { type: 'string', multiple: true },
  workers: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

export const indexOptionHelp = [
  '-w, --workspace DIR     the workspace folder (default: the current directory)',
  '    --index-dir DIR     where the index is kept (default: a per-workspace folder in ~/.cache/daglens)',
  '    --no-save           index in memory only',
  '    --max-file-bytes N  skip files larger than N bytes (default 1000000)',
  '    --exclude GLOB      also skip paths matching GLOB (repeatable), e.g. --exclude "**/site-packages/**"',
  '    --workers N         worker threads for parsing (default: cores - 1; 0 = none)',
  '-v, --verbose           log progress and each skipped file to stderr',
];

export const indexCommand: Command = {
  name: 'index',
  summary: 'build or update the search index of a workspace (only changed files are re-indexed)',
  usage: 'daglens index --workspace DIR [--index-dir DIR] [--json]',
  options: { ...indexOptions, json: { type: 'boolean' } },
  optionHelp: [
    ...indexOptionHelp,
    '    --json              print JSON: { files, chunks, indexed, skipped: [...], seconds, … }',
  ],
  async run(values) {
    const { engine, report, indexDir } = await openIndexedEngine(values);
    const stats = engine.index.stats();
    const dto: IndexReportDto = {
      workspace: engine.root,
      indexDir: indexDir ?? '',
      files: report.files,
      chunks: report.chunks,
      indexed: report.indexed,
      removed: report.removed,
      skipped: report.skipped,
      loadedSavedIndex: report.loaded,
      vectorBackend: stats.vectorBackend,
      embedder: stats.embedder,
      seconds: Number(report.seconds.toFixed(3)),
    };
    if (values.json) {
      process.stdout.write(JSON.stringify(dto, null, 2) + '\n');
      return 0;
    }
    for (const s of report.skipped) process.stdout.write(`skipped ${s.rel}: ${s.reason} (${s.detail})\n`);
    const reused = report.loaded ? `, ${report.files - report.indexed} unchanged from the saved index` : '';
    process.stdout.write(
      `${report.files} files, ${report.chunks} chunks, ${report.skipped.length} skipped; ${report.indexed} indexed${reused}` +
        `${report.removed ? `, ${report.removed} removed` : ''} in ${report.seconds.toFixed(2)} s\n` +
        `index: ${indexDir ?? '(not saved)'} · vectors: ${stats.vectorBackend} · embedder: ${stats.embedder}\n`,
    );
    return 0;
  },
};
