import { workspaceCacheDir } from '../../engine/storage';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseSettings } from '../../engine/config';
import { FileJobStore, JobCancelled, MemoryJobStore } from '../../engine/dag/jobs';
import { DagService } from '../../engine/dag/service';
import { Lineage } from '../../engine/lineage';
import { Workspace } from '../../engine/workspace/workspace';
import type { DagMapResult } from '../../protocol';
import { intOption, UserError, workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';
import { LlmService } from '../../engine/llm/service';
import { LLM_OPTION_HELP, LLM_OPTIONS, llmSettingsFromFlags, usd } from './llmOptions';
import { runtimeArtefact } from '../../engine/runs/detect';
import { noNodesMessage } from '../../engine/dag/errors';
import { decodeDagBytes } from '../../engine/dag/ingest/decode';
import { RunsInputError } from '../../engine/runs/errors';
import { readRunPath } from '../../engine/runs/read';
import { mapRunOnWorkspace } from './runs';

export const mapCommand: Command = {
  name: 'map',
  summary: 'map every node of a DAG (Spark plan, dbt manifest, Airflow DAG, JSON DAG) to the code that made it',
  usage: 'daglens map --dag FILE [--workspace DIR] [--json] [--max-parallel N] [--no-cache]',
  options: {
    dag: { type: 'string', short: 'd' },
    workspace: { type: 'string', short: 'w' },
    json: { type: 'boolean' },
    'max-parallel': { type: 'string' },
    'no-cache': { type: 'boolean' },
    llm: { type: 'boolean' },
    ...LLM_OPTIONS,
    verbose: { type: 'boolean', short: 'v' },
  },
  optionHelp: [
    '-d, --dag FILE          the DAG: EXPLAIN [EXTENDED|FORMATTED] text, Spark plan JSON, manifest.json,',
    '                        an Airflow DAG file inside the workspace, or a JSON DAG {nodes, edges}',
    '-w, --workspace DIR     the code (default: the current directory)',
    '    --json              print the mapping contract: { dag, mappings, stats, sources, problems }',
    '    --max-parallel N    nodes mapped concurrently (default 4)',
    '    --no-cache          do not read or write stored results and resume checkpoints (kept in the user cache)',
    '    --llm               verify low or ambiguous nodes with the configured LLM (under a budget)',
    ...LLM_OPTION_HELP,
    '-v, --verbose           log skipped files and DAG problems to stderr',
  ],
  async run(values) {
    if (typeof values.dag !== 'string' || !values.dag)
      throw new UserError("--dag FILE is required (see 'daglens map --help')");
    const dagFile = path.resolve(values.dag);
    // A run is not one plan: its executions are mapped by `daglens runs` (a single REST execution is, here).
    const run = runtimeArtefact(dagFile);
    if (run && run.kind !== 'restExecution') {
      throw new UserError(
        `${values.dag} is ${run.what}, not a plan: 'daglens runs ${values.dag} --workspace DIR' maps every SQL execution in it (-e N for one)`,
      );
    }
    if (run) return mapRestExecution(dagFile, values);
    let text: string;
    try {
      if (statSync(dagFile).isDirectory()) throw new UserError(`--dag is a directory, not a file: ${dagFile}`);
      const decoded = decodeDagBytes(readFileSync(dagFile));
      if (decoded.notText) throw new UserError(`${values.dag} is not a DAG: ${decoded.notText}`);
      text = decoded.text;
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(
        `cannot read the DAG file ${dagFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    const root = workspaceDir(values.workspace);
    const maxParallel = intOption(values['max-parallel'], 'max-parallel', 4);
    const log = stderrLogger(!!values.verbose);
    const ws = new Workspace(root, parseSettings({}).settings, log);
    const store = values['no-cache']
      ? new MemoryJobStore()
      : new FileJobStore(workspaceCacheDir(root, 'dag'), undefined, (m) => log.warn(m));
    // An Airflow DAG file is read through the lineage engine's extraction of it.
    const lineage = /\.py$/i.test(dagFile) ? new Lineage(root, { log }) : undefined;
    if (lineage) ws.listen(lineage);
    const dag = new DagService(root, log, () => maxParallel, store, lineage && ((abs) => lineage.processesIn(abs)));
    ws.listen(dag);
    const llm = values.llm
      ? new LlmService({ workspace: ws, settings: llmSettingsFromFlags(values), env: process.env, log })
      : undefined;
    await ws.scan();

    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    let result: Awaited<ReturnType<DagService['map']>>;
    try {
      result = await dag.map(text, {
        fileName: path.basename(dagFile),
        filePath: dagFile,
        maxParallel,
        signal: abort.signal,
      });
    } catch (e) {
      if (e instanceof JobCancelled) {
        process.stderr.write(`daglens: ${e.message}\n`);
        return 130;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (result.dag.nodes.length === 0) throw new UserError(noNodesMessage(String(values.dag), result.problems));
    if (llm) {
      // LLM verification of low/ambiguous nodes; without a usable provider the offline mapping stands, with the reason.
      const why = llm.unavailableReason();
      if (why) process.stderr.write(`daglens: --llm: ${why}; offline mapping only\n`);
      else {
        const { verification: v, ...verified } = await llm.verifyDag(result, { signal: abort.signal });
        result = verified;
        process.stderr.write(
          `daglens: LLM verified ${v.verified} nodes (${v.changed} changed) in ${v.llmCalls} calls, ${usd(v.costUsd)}\n`,
        );
      }
    }
    if (values.json) {
      const { cached: _c, resumed: _r, ...contract } = result;
      process.stdout.write(JSON.stringify(contract, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(
      renderTable(result, path.relative(process.cwd(), dagFile) || dagFile, result.cached, result.resumed),
    );
    return 0;
  },
};

/** A saved History Server /sql/<id> answer: mapped as a run (node ids and metrics from the server), printed as a map. */
async function mapRestExecution(file: string, values: Record<string, unknown>): Promise<number> {
  const read = await readRunPath(file).catch((e: unknown) => {
    throw e instanceof RunsInputError ? new UserError(e.message) : e;
  });
  if (read.kind !== 'run' || read.run.executions.length !== 1) throw new UserError(`${file} is not one SQL execution`);
  const r = await mapRunOnWorkspace(read, {
    root: workspaceDir(values.workspace),
    log: stderrLogger(!!values.verbose),
    noCache: !!values['no-cache'],
  });
  const e = r.executions[0];
  process.stderr.write(
    `daglens: ${path.basename(file)} is History Server execution ${e.executionId}; mapped as a run (see 'daglens runs' for its place in code and metrics)\n`,
  );
  if (values.json) process.stdout.write(JSON.stringify(e.result, null, 2) + '\n');
  else process.stdout.write(renderTable(e.result, path.relative(process.cwd(), file) || file));
  return 0;
}

const STATUS_MARK: Record<string, string> = { high: 'high', low: 'low', derived: 'derived', unmapped: 'UNMAPPED' };

/** The readable form: one row per node, in plan order, with where it maps and why. */
export function renderTable(r: DagMapResult, dagName: string, cached = false, resumed = 0): string {
  const out: string[] = [];
  const counts = { high: 0, low: 0, derived: 0, unmapped: 0 };
  for (const m of r.mappings) counts[m.status]++;
  const src = r.sources[0];
  out.push(
    `${dagName}: ${r.dag.kind}, ${r.dag.nodes.length} nodes${src ? ` — made by ${src.file} (score ${src.score.toFixed(2)})` : ''}`,
  );
  // A run's nodes are named by Spark's plan-graph id (#N), as the Spark UI and the History Server do.
  const label = (n: DagMapResult['dag']['nodes'][number]) =>
    n.sparkId !== undefined ? `#${n.sparkId}` : String(n.line ?? n.id);
  const lineW = Math.max(4, ...r.dag.nodes.map((n) => label(n).length));
  const opW = Math.min(24, Math.max(8, ...r.dag.nodes.map((n) => n.operator.length)));
  out.push(`${'node'.padStart(lineW)}  ${'operator'.padEnd(opW)}  ${'status'.padEnd(8)}  conf  code`);
  r.dag.nodes.forEach((n, i) => {
    const m = r.mappings[i];
    const b = m.best;
    const where = b ? `${b.file}:${b.startLine}${b.endLine > b.startLine ? `-${b.endLine}` : ''}` : '—';
    const why = m.status === 'derived' ? '' : b ? `  ${b.explanation}` : '';
    out.push(
      `${label(n).padStart(lineW)}  ${n.operator.slice(0, opW).padEnd(opW)}  ${STATUS_MARK[m.status].padEnd(8)}  ${b && m.status !== 'derived' ? b.confidence.toFixed(2) : '    '}  ${where}${why}`,
    );
  });
  out.push('');
  out.push(
    `${counts.high} high, ${counts.low} low, ${counts.derived} derived, ${counts.unmapped} unmapped · ${r.stats.ms} ms${cached ? ' (cached)' : ''}${resumed ? ` (resumed ${resumed} nodes from a checkpoint)` : ''} · ${r.stats.llmCalls} LLM calls`,
  );
  for (const p of r.problems)
    out.push(`problem${p.line ? ` at line ${p.line}` : p.field ? ` in ${p.field}` : ''}: ${p.message}`);
  return out.join('\n') + '\n';
}
