import { parseSettings } from '../../engine/config';
import { Lineage } from '../../engine/lineage';
import { lineageJson } from '../../engine/lineage/report';
import { Workspace } from '../../engine/workspace/workspace';
import { intOption, workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';

/** Scans a workspace and returns its lineage (shared by `lineage` and `impact`). */
export async function scanLineage(values: Record<string, unknown>): Promise<Lineage> {
  const root = workspaceDir(values.workspace);
  const { settings } = parseSettings({
    maxFileBytes: intOption(values['max-file-bytes'], 'max-file-bytes', 1_000_000),
  });
  const log = stderrLogger(!!values.verbose);
  const ws = new Workspace(root, settings, log);
  const names = {
    ...(typeof values['default-catalog'] === 'string' ? { defaultCatalog: values['default-catalog'] } : {}),
    ...(typeof values['default-schema'] === 'string' ? { defaultSchema: values['default-schema'] } : {}),
  };
  const lineage = new Lineage(root, { names, log });
  ws.listen(lineage);
  await ws.scan();
  return lineage;
}

export const LINEAGE_OPTIONS = {
  workspace: { type: 'string', short: 'w' },
  json: { type: 'boolean' },
  'default-catalog': { type: 'string' },
  'default-schema': { type: 'string' },
  'max-file-bytes': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

export const LINEAGE_OPTION_HELP = [
  '-w, --workspace DIR       the workspace folder (default: the current directory)',
  '    --default-catalog C   catalog that unqualified names live in (default spark_catalog)',
  '    --default-schema S    schema that unqualified names live in (default default)',
  '    --max-file-bytes N    skip files larger than N bytes (default 1000000)',
  '-v, --verbose             log skipped files and timings to stderr',
];

export const lineageCommand: Command = {
  name: 'lineage',
  summary: 'tables and columns read and written by the SQL, dbt, PySpark and Airflow code of a workspace',
  usage: 'daglens lineage --workspace DIR [--file PATH]… [--json]',
  options: { ...LINEAGE_OPTIONS, file: { type: 'string', short: 'f', multiple: true } },
  optionHelp: [
    ...LINEAGE_OPTION_HELP,
    '-f, --file PATH           only the processes of this file (repeatable)',
    '    --json                print { assets, processes: [{ id, file, symbol, startLine, endLine, reads, writes }], columns }',
  ],
  async run(values) {
    const lineage = await scanLineage(values);
    const files = Array.isArray(values.file) ? values.file : undefined;
    const out = lineageJson(lineage, files);
    if (values.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return 0;
    }
    let lastFile = '';
    for (const p of out.processes) {
      if (p.file !== lastFile) {
        process.stdout.write(`${p.file}\n`);
        lastFile = p.file;
      }
      process.stdout.write(`  ${p.symbol}  ${p.startLine}-${p.endLine}${p.partial.length ? '  (partial)' : ''}\n`);
      for (const r of p.reads)
        process.stdout.write(
          `    reads  ${r.asset}  ${r.file ? `${r.file}:` : 'line '}${r.line}${r.dynamic ? ' (dynamic)' : ''}\n`,
        );
      for (const w of p.writes)
        process.stdout.write(
          `    writes ${w.asset}  ${w.file ? `${w.file}:` : 'line '}${w.line}${w.dynamic ? ' (dynamic)' : ''}\n`,
        );
      for (const why of p.partial) process.stdout.write(`    partial: ${why}\n`);
    }
    process.stdout.write(
      `\n${out.processes.length} processes, ${out.assets.length} assets, ${out.columns.length} column lineages\n`,
    );
    return 0;
  },
};
