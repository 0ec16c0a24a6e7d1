/**
 * SQL metrics as Spark shows them. An operator's metric is an accumulator: tasks report their values in
 * `SparkListenerTaskEnd` accumulables, the driver in `SparkListenerDriverAccumUpdates`. Aggregation and
 * display follow Spark's SQLAppStatusListener and SQLMetrics.stringValue: a sum for counts; total with
 * (min, med, max (stage: task)) for sizes and timings; the same figures come back as numbers for sorting.
 */
import type { RunMetric } from '../../protocol/contracts';

export interface MetricDef {
  accumulatorId: number;
  name: string;
  /** Spark's metric type: sum, size, timing, nsTiming, average (others are shown as sums). */
  type: string;
}

const SUFFIX = '(min, med, max (stageId: taskId))';

/** Growable typed columns: a log with millions of task updates must not become millions of objects. */
class Column {
  data: Float64Array;
  constructor(cap = 1024) {
    this.data = new Float64Array(cap);
  }
  set(i: number, v: number) {
    if (i >= this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = v;
  }
}

/**
 * Every task's update of every SQL accumulator, kept by (accumulator, stage, attempt, task index). Only the
 * latest stage attempt counts; within it, a task index's successful attempt wins over failed ones.
 */
export class MetricStore {
  private n = 0;
  private readonly acc = new Column();
  private readonly stage = new Column();
  private readonly attempt = new Column();
  private readonly index = new Column();
  private readonly task = new Column();
  private readonly value = new Column();
  private readonly ok = new Column();
  /** execution id → accumulator id → the driver's values (Spark keeps driver updates per execution). */
  private readonly driver = new Map<number, Map<number, number[]>>();
  private groups: Map<number, number[]> | undefined;
  /** Accumulator ids that are SQL metrics of some execution: updates of others are not kept. */
  readonly tracked = new Set<number>();

  taskUpdate(
    accumulatorId: number,
    stageId: number,
    stageAttempt: number,
    taskIndex: number,
    taskId: number,
    value: number,
    succeeded: boolean,
  ): void {
    const i = this.n++;
    this.acc.set(i, accumulatorId);
    this.stage.set(i, stageId);
    this.attempt.set(i, stageAttempt);
    this.index.set(i, taskIndex);
    this.task.set(i, taskId);
    this.value.set(i, value);
    this.ok.set(i, succeeded ? 1 : 0);
    this.groups = undefined;
  }

  driverUpdate(executionId: number, accumulatorId: number, value: number): void {
    let byAcc = this.driver.get(executionId);
    if (!byAcc) this.driver.set(executionId, (byAcc = new Map()));
    const xs = byAcc.get(accumulatorId);
    if (xs) xs.push(value);
    else byAcc.set(accumulatorId, [value]);
  }

  get updates(): number {
    return this.n;
  }

  /** Row numbers by accumulator, built once after reading. */
  private rows(): Map<number, number[]> {
    if (this.groups) return this.groups;
    const g = new Map<number, number[]>();
    const acc = this.acc.data;
    for (let i = 0; i < this.n; i++) {
      const a = acc[i];
      const rows = g.get(a);
      if (rows) rows.push(i);
      else g.set(a, [i]);
    }
    this.groups = g;
    return g;
  }

  /**
   * The metric's values in one execution: one per task of the execution's own stages (a cached plan's
   * operators shown again in a later query ran in an earlier one), then the driver's; and the task that
   * holds the largest.
   */
  values(
    accumulatorId: number,
    scope?: { executionId: number; stages: Set<number> },
  ): { values: number[]; max?: { value: number; stage: number; attempt: number; task: number } } {
    const all = this.rows().get(accumulatorId) ?? [];
    const rows = scope ? all.filter((i) => scope.stages.has(this.stage.data[i])) : all;
    const lastAttempt = new Map<number, number>();
    for (const i of rows) {
      const s = this.stage.data[i];
      lastAttempt.set(s, Math.max(lastAttempt.get(s) ?? 0, this.attempt.data[i]));
    }
    // stage:index → row; a success is final, otherwise the latest update stands.
    const chosen = new Map<string, number>();
    for (const i of rows) {
      const s = this.stage.data[i];
      if (this.attempt.data[i] !== lastAttempt.get(s)) continue;
      const key = `${s}:${this.index.data[i]}`;
      const prev = chosen.get(key);
      if (prev === undefined || !this.ok.data[prev]) chosen.set(key, i);
    }
    const values: number[] = [];
    let max: { value: number; stage: number; attempt: number; task: number } | undefined;
    for (const i of chosen.values()) {
      const v = this.value.data[i];
      values.push(v);
      if (!max || v > max.value)
        max = { value: v, stage: this.stage.data[i], attempt: this.attempt.data[i], task: this.task.data[i] };
    }
    const driver =
      (scope
        ? this.driver.get(scope.executionId)?.get(accumulatorId)
        : [...this.driver.values()].flatMap((m) => m.get(accumulatorId) ?? [])) ?? [];
    for (const v of driver) {
      values.push(v);
      // A driver value above every task's: Spark shows "(driver)".
      if (max && v > max.value) max = undefined;
    }
    return { values, max: driver.length && !chosen.size ? undefined : max };
  }

  /** The metric as Spark's UI shows it, with its figures as numbers; undefined when nothing was reported. */
  metric(def: MetricDef, scope?: { executionId: number; stages: Set<number> }): RunMetric | undefined {
    const { values, max } = this.values(def.accumulatorId, scope);
    if (values.length === 0) return undefined;
    return formatMetric(def, values, max ? `stage ${max.stage}.${max.attempt}: task ${max.task}` : 'driver');
  }
}

/** Spark's SQLMetrics.stringValue, plus the numbers it shows. */
export function formatMetric(def: Pick<MetricDef, 'name' | 'type'>, values: number[], maxAt: string): RunMetric {
  const base = { name: def.name, type: def.type };
  if (def.type === 'average') {
    const valid = values.filter((v) => v > 0).sort((a, b) => a - b);
    if (valid.length <= 1) {
      const v = (valid[0] ?? 0) / 10;
      return { ...base, value: numberFormat(v), total: v, unit: 'count' };
    }
    const [min, med, max] = [valid[0], valid[valid.length >> 1], valid[valid.length - 1]].map((v) => v / 10);
    return {
      ...base,
      value: `${SUFFIX}:\n(${numberFormat(min)}, ${numberFormat(med)}, ${numberFormat(max)} (${maxAt}))`,
      min,
      med,
      max,
      maxAt,
      unit: 'count',
    };
  }
  if (def.type !== 'size' && def.type !== 'timing' && def.type !== 'nsTiming') {
    const total = values.reduce((a, b) => a + b, 0);
    return { ...base, value: integerFormat(total), total, unit: 'count' };
  }
  // Sizes in bytes, timings in milliseconds (nanosecond timings are shown in ms, as Spark does).
  const toUnit = def.type === 'nsTiming' ? (v: number) => Math.floor(v / 1e6) : (v: number) => v;
  const fmt = def.type === 'size' ? bytesToString : (v: number) => msDurationToString(v);
  const unit = def.type === 'size' ? 'bytes' : 'ms';
  const valid = values.filter((v) => v >= 0).sort((a, b) => a - b);
  if (valid.length <= 1) {
    const v = toUnit(valid[0] ?? 0);
    return { ...base, value: fmt(v), total: v, unit };
  }
  const total = toUnit(valid.reduce((a, b) => a + b, 0));
  const [min, med, max] = [valid[0], valid[valid.length >> 1], valid[valid.length - 1]].map(toUnit);
  return {
    ...base,
    value: `total ${SUFFIX}\n${fmt(total)} (${fmt(min)}, ${fmt(med)}, ${fmt(max)} (${maxAt}))`,
    total,
    min,
    med,
    max,
    maxAt,
    unit,
  };
}

/** Java's NumberFormat.getIntegerInstance(Locale.US): grouped, rounded half-even. */
export function integerFormat(n: number): string {
  const r = Math.abs(n % 1) === 0.5 ? 2 * Math.round(n / 2) : Math.round(n);
  return r.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

function numberFormat(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** `%.1f` with Java's half-up rounding. */
function oneDecimal(x: number): string {
  return (Math.round(x * 10 + 1e-9) / 10).toFixed(1);
}

/** Spark's Utils.bytesToString. */
export function bytesToString(size: number): string {
  const units: Array<[string, number]> = [
    ['EiB', 2 ** 60],
    ['PiB', 2 ** 50],
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ];
  for (const [unit, scale] of units) if (size >= 2 * scale) return `${oneDecimal(size / scale)} ${unit}`;
  return `${oneDecimal(size)} B`;
}

/** Spark's Utils.msDurationToString. */
export function msDurationToString(ms: number): string {
  if (ms < 1000) return `${Math.trunc(ms)} ms`;
  if (ms < 60_000) return `${oneDecimal(ms / 1000)} s`;
  if (ms < 3_600_000) return `${oneDecimal(ms / 60_000)} m`;
  return `${(Math.round((ms / 3_600_000) * 100 + 1e-9) / 100).toFixed(2)} h`;
}

/**
 * A metric value as the History Server's REST API gives it (Spark's display string) back into numbers:
 * "500,000"; "1.2 s"; "total (min, med, max (stageId: taskId))\n7.2 MiB (1317.0 KiB, 2.6 MiB, 3.3 MiB (stage 14.0: task 31))".
 */
export function parseMetricDisplay(name: string, value: string): RunMetric {
  const lines = value.split('\n');
  const body = (lines.length > 1 ? lines[lines.length - 1] : lines[0]).trim();
  const head = /^(.*?)\s*\((.*)\)\s*$/s.exec(body);
  const totalText = head && lines.length > 1 ? head[1] : body.replace(/^\((.*)\)$/, '$1');
  const parsed = parseQuantity(totalText);
  const m: RunMetric = { name, type: parsed.type, value, unit: parsed.unit };
  if (parsed.value !== undefined && !/^\(/.test(body)) m.total = parsed.value;
  if (head && lines.length > 1) {
    const inner = /^(.*?),\s*(.*?),\s*(.*?)\s*\((.*)\)$/.exec(head[2]);
    if (inner) {
      m.min = parseQuantity(inner[1]).value;
      m.med = parseQuantity(inner[2]).value;
      m.max = parseQuantity(inner[3]).value;
      m.maxAt = inner[4];
    }
  }
  return m;
}

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  PiB: 2 ** 50,
  EiB: 2 ** 60,
};
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

function parseQuantity(s: string): { value?: number; unit: RunMetric['unit']; type: string } {
  const t = s.trim();
  const q = /^(-?[\d,]*\.?\d+(?:E[+-]?\d+)?)\s*([A-Za-z]+)?$/.exec(t);
  if (!q) return { unit: 'count', type: 'sum' };
  const n = Number(q[1].replace(/,/g, ''));
  const u = q[2];
  if (u && SIZE_UNITS[u]) return { value: n * SIZE_UNITS[u], unit: 'bytes', type: 'size' };
  if (u && TIME_UNITS[u]) return { value: n * TIME_UNITS[u], unit: 'ms', type: 'timing' };
  return { value: n, unit: 'count', type: 'sum' };
}
