import { impactJson } from '../../engine/lineage/report';
import { UserError, type Command } from '../args';
import { LINEAGE_OPTION_HELP, LINEAGE_OPTIONS, scanLineage } from './lineage';

export const impactCommand: Command = {
  name: 'impact',
  summary: 'what is downstream (or upstream) of a table, a column or a process, with the path to each',
  usage: 'daglens impact ASSET --workspace DIR [--upstream] [--json]',
  options: { ...LINEAGE_OPTIONS, upstream: { type: 'boolean', short: 'u' } },
  optionHelp: [
    ...LINEAGE_OPTION_HELP,
    '-u, --upstream            walk upstream (what ASSET comes from) instead of downstream',
    '    --json                print { start, kind, direction, hits: [{ asset, distance, path }], columns? }',
    '',
    'ASSET: a table (db.t or t), a dbt model or source name or id, a file path, TABLE.COLUMN, or a process id.',
  ],
  async run(values, positionals) {
    const target = positionals[0];
    if (!target) throw new UserError("impact needs an ASSET (see 'daglens impact --help')");
    if (positionals.length > 1) throw new UserError(`impact takes one ASSET, got ${positionals.length}`);
    const lineage = await scanLineage(values);
    const direction = values.upstream ? 'upstream' : 'downstream';
    const r = impactJson(lineage.impact(target, direction), direction);
    if (r.kind === 'unknown')
      throw new UserError(`no table, column or process '${target}' in the lineage of this workspace`);
    if (values.json) {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`${direction} of ${r.start} (${r.kind})\n`);
    for (const h of r.hits)
      process.stdout.write(`  ${h.asset}  (${h.distance})  via ${h.path.map((s) => s.process).join(' → ')}\n`);
    for (const c of r.columns ?? [])
      process.stdout.write(
        `  ${c.asset}.${c.column}  (${c.distance})  via ${c.path.map((s) => s.process).join(' → ')}\n`,
      );
    const n = r.hits.length + (r.columns?.length ?? 0);
    process.stdout.write(`\n${n} ${direction} ${n === 1 ? 'item' : 'items'}\n`);
    return 0;
  },
};
