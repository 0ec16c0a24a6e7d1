/**
 * Builds a large event log from real ones for `npm run bench:runs`: the events of the public e2e (Spark 4.1,
 * adaptive plans) and NDS (Spark 3.3, 12k tasks) logs, repeated as one application until it reaches the size
 * asked for, with execution, job, stage, task and accumulator ids shifted per repetition so every repetition is
 * new work for the reader (no event is made up; only ids change).
 */
import { createWriteStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { readLines } from '../server/src/engine/runs/input/lineReader';
import { describeSource } from '../server/src/engine/runs/input/sources';

type Json = Record<string, unknown>;

const APP_ONCE =
  /SparkListener(LogStart|ApplicationStart|EnvironmentUpdate|ResourceProfileAdded|ExecutorAdded|BlockManagerAdded)$/;

async function linesOf(file: string): Promise<string[]> {
  const src = describeSource(file);
  if (src.kind !== 'eventLog') throw new Error(`${file} is not an event log`);
  const out: string[] = [];
  await readLines(src.parts, (l) => {
    if (l.trim()) out.push(l);
  });
  return out;
}

/** Shifts every id of one event by the repetition's offsets. */
function shift(e: Json, k: number): Json {
  const ex = k * 10_000;
  const job = k * 10_000;
  const stage = k * 10_000;
  const task = k * 1_000_000;
  const acc = k * 1_000_000;
  const n = (v: unknown, d: number) =>
    typeof v === 'number' ? v + d : typeof v === 'string' && /^\d+$/.test(v) ? String(Number(v) + d) : v;
  const plan = (p: unknown): void => {
    if (!p || typeof p !== 'object') return;
    const q = p as Json;
    if (Array.isArray(q.metrics)) for (const m of q.metrics as Json[]) m.accumulatorId = n(m.accumulatorId, acc);
    if (Array.isArray(q.children)) for (const c of q.children) plan(c);
  };
  for (const key of ['executionId', 'rootExecutionId']) if (key in e) e[key] = n(e[key], ex);
  if (e.sparkPlanInfo) plan(e.sparkPlanInfo);
  if (Array.isArray(e.sqlPlanMetrics))
    for (const m of e.sqlPlanMetrics as Json[]) m.accumulatorId = n(m.accumulatorId, acc);
  if (Array.isArray(e.accumUpdates)) e.accumUpdates = (e.accumUpdates as unknown[][]).map(([a, v]) => [n(a, acc), v]);
  if ('Job ID' in e) e['Job ID'] = n(e['Job ID'], job);
  if (Array.isArray(e['Stage IDs'])) e['Stage IDs'] = (e['Stage IDs'] as number[]).map((s) => s + stage);
  const stageInfo = (s: Json) => {
    s['Stage ID'] = n(s['Stage ID'], stage);
    if (Array.isArray(s['Parent IDs'])) s['Parent IDs'] = (s['Parent IDs'] as number[]).map((x) => x + stage);
    if (Array.isArray(s.Accumulables)) for (const a of s.Accumulables as Json[]) a.ID = n(a.ID, acc);
  };
  if (Array.isArray(e['Stage Infos'])) for (const s of e['Stage Infos'] as Json[]) stageInfo(s);
  if (e['Stage Info']) stageInfo(e['Stage Info'] as Json);
  if ('Stage ID' in e) e['Stage ID'] = n(e['Stage ID'], stage);
  const props = e.Properties as Json | undefined;
  if (props)
    for (const key of ['spark.sql.execution.id', 'spark.sql.execution.root.id'])
      if (key in props) props[key] = n(props[key], ex);
  const info = e['Task Info'] as Json | undefined;
  if (info) {
    info['Task ID'] = n(info['Task ID'], task);
    if (Array.isArray(info.Accumulables)) for (const a of info.Accumulables as Json[]) a.ID = n(a.ID, acc);
  }
  return e;
}

/** Writes (or reuses) a log of at least `megabytes` MB; returns its path and what it holds. */
export async function largeEventLog(
  corpora: string,
  dir: string,
  megabytes: number,
): Promise<{ file: string; bytes: number; repetitions: number }> {
  const file = path.join(dir, `daglens-bench-eventlog-${megabytes}mb.json`);
  if (existsSync(file) && statSync(file).size >= megabytes * 1e6)
    return { file, bytes: statSync(file).size, repetitions: -1 };
  const logs = path.join(corpora, 'spark-eventlogs', 'logs');
  const bases = [
    await linesOf(path.join(logs, 'e2e_local_stale.zstd')),
    await linesOf(path.join(logs, 'nds_q9_gpu_oom.zstd')),
  ];
  const out = createWriteStream(file);
  const write = (s: string) => new Promise<void>((r) => (out.write(s) ? r() : out.once('drain', () => r())));
  let bytes = 0;
  let k = 0;
  let end: string | undefined;
  for (; bytes < megabytes * 1e6; k++) {
    for (const [b, lines] of bases.entries()) {
      // Each (repetition, base log) pair gets ids of its own.
      const r = k * bases.length + b;
      for (const line of lines) {
        const name = /"Event":"([^"]+)"/.exec(line)?.[1] ?? '';
        if (name.endsWith('ApplicationEnd')) {
          end = line;
          continue;
        }
        if (APP_ONCE.test(name) && r > 0) continue;
        const text = r === 0 ? line : JSON.stringify(shift(JSON.parse(line) as Json, r));
        bytes += text.length + 1;
        await write(`${text}\n`);
      }
    }
  }
  if (end) await write(`${end}\n`);
  await new Promise<void>((r) => out.end(() => r()));
  return { file, bytes: statSync(file).size, repetitions: k };
}
