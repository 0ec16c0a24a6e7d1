/**
 * What a plan operator means for mapping: its role (which kind of code makes it) and the evidence it
 * carries (table, condition atoms, keys), read from EXPLAIN text arguments or FORMATTED detail fields.
 * Unknown engine prefixes (Gpu…, Photon…, Comet…) are recognised by the Spark operator they end with.
 */
import type { DagNode } from '../model';
import {
  attributes,
  bracketLists,
  conditionAtoms,
  keyAttributes,
  namedArg,
  splitTopLevel,
  type ConditionAtom,
} from './exprText';
import { scanTable } from '../../../shared/dagLabels';

export type Role =
  | 'scan'
  | 'filter'
  | 'join'
  | 'aggregate'
  | 'sort'
  | 'limit'
  | 'window'
  | 'union'
  | 'expand'
  | 'project'
  | 'generate'
  | 'physical'
  | 'unknown';

export interface OperatorEvidence {
  role: Role;
  /** True for a partial aggregate, a local sort, …: physical halves of a logical operator. */
  partial: boolean;
  table?: string;
  columns: string[];
  atoms: ConditionAtom[];
  /** Join keys as attribute lists per key expression. */
  leftKeys: string[][];
  rightKeys: string[][];
  /** Grouping / ordering / partitioning keys. */
  keys: string[];
  /** Names given by this operator (`x AS name#1`). */
  aliases: string[];
  /** Numbers a source was written with (`spark.range(0, 2000000)` → Range's bounds). */
  literals?: string[];
}

const ROLE_BY_NAME: Array<[RegExp, Role]> = [
  [
    /^(FileScan|Scan|BatchScan|HiveTableScan|RowDataSourceScan|DataSourceScan|DataSourceV2Scan|InMemoryTableScan|LocalTableScan|FileSourceScan|Relation|UnresolvedRelation|LogicalRelation|Range)$/,
    'scan',
  ],
  [/Scan$/, 'scan'],
  [/^Filter$/, 'filter'],
  [/(HashJoin|SortMergeJoin|NestedLoopJoin|CartesianProduct|^Join)$/, 'join'],
  [/(HashAggregate|SortAggregate|ObjectHashAggregate|^Aggregate)$/, 'aggregate'],
  [/^(TakeOrderedAndProject|Sort)$/, 'sort'],
  [/^(CollectLimit|GlobalLimit|LocalLimit|GlobalLimitExec|Limit)$/, 'limit'],
  [/^Window$/, 'window'],
  [/^(Union|Intersect|Except)$/, 'union'],
  [/^Expand$/, 'expand'],
  [/^Project$/, 'project'],
  [/^Generate$/, 'generate'],
  [
    /(Exchange|ColumnarToRow|RowToColumnar|WholeStageCodegen|InputAdapter|AdaptiveSparkPlan|Subquery|SubqueryBroadcast|QueryStage|ShuffleRead|ShuffleReader|Execute|WindowGroupLimit|CommandResult|SerializeFromObject|DeserializeToObject|MapElements|ReusedSubquery|Coalesce|Repartition|Sample|InMemoryRelation|WriteFiles|ReusedExchange|AQEShuffleRead)$/,
    'physical',
  ],
];

const VENDOR_PREFIX = /^(Gpu|Photon|Comet|Velox|Gluten|CH|Native|Columnar|Cuda|Cpu|Arrow)(?=[A-Z])/;

/** Accelerator operators whose names do not end in the Spark operator they replace. */
const ACCELERATED: Record<string, string> = {
  GroupingAgg: 'HashAggregate',
  FlushableHashAggregate: 'HashAggregate',
  RegularHashAggregate: 'HashAggregate',
  Agg: 'HashAggregate',
  TopK: 'TakeOrderedAndProject',
  TopN: 'TakeOrderedAndProject',
  RunningWindow: 'Window',
  CachedBatchScan: 'InMemoryTableScan',
  FileGpuScan: 'FileScan',
  NativeScan: 'FileScan',
  ScanWrapper: 'FileScan',
  BatchScan: 'BatchScan',
  Range: 'Range',
  ShuffleExchangeSink: 'Exchange',
  ShuffleExchangeSource: 'Exchange',
  ShuffleExchange: 'Exchange',
  BroadcastExchange: 'BroadcastExchange',
  CoalesceBatches: 'Coalesce',
  ShuffleCoalesce: 'Coalesce',
  BringBackToHost: 'ColumnarToRow',
  Adapter: 'InputAdapter',
  ResultStage: 'QueryStage',
  ShuffleMapStage: 'QueryStage',
  ResizeBatches: 'Coalesce',
  InputIterator: 'InputAdapter',
  SparkToColumnar: 'RowToColumnar',
  ColumnarToRow: 'ColumnarToRow',
  RowToColumnar: 'RowToColumnar',
  Sink: 'Exchange',
};

/**
 * The Spark operator an accelerated engine's operator stands for: RAPIDS `GpuFilter`, Databricks
 * `PhotonGroupingAgg`, Comet `CometHashAggregate`, Gluten `FilterExecTransformer` → Filter, HashAggregate, ….
 * Spark's own operators come back unchanged.
 */
export function sparkOperatorOf(operator: string): string {
  const prefixed = VENDOR_PREFIX.test(operator);
  const suffixed = /(ExecTransformer|Transformer)$/.test(operator);
  if (!prefixed && !suffixed) return operator;
  let bare = operator.replace(/(ExecTransformer|Transformer|Exec)$/, '');
  while (VENDOR_PREFIX.test(bare)) bare = bare.replace(VENDOR_PREFIX, '');
  if (ACCELERATED[bare]) return ACCELERATED[bare];
  if (/^FileSourceScan$|^Scan$/.test(bare)) return 'FileScan';
  return bare || operator;
}

export function roleOf(operator: string): Role {
  const spark = sparkOperatorOf(operator);
  const bare = operator.replace(/(Exec|Transformer|Sink|Source)+$/, '');
  for (const name of [spark, operator, bare]) {
    for (const [re, role] of ROLE_BY_NAME) if (re.test(name)) return role;
  }
  return 'unknown';
}

const NONE: Omit<OperatorEvidence, 'role'> = {
  partial: false,
  columns: [],
  atoms: [],
  leftKeys: [],
  rightKeys: [],
  keys: [],
  aliases: [],
};

function aliasesOf(s: string): string[] {
  return [...s.matchAll(/ AS ([A-Za-z_]\w*)#\d+/g)].map((m) => m[1].toLowerCase());
}

/** A path-based read (`spark.read.parquet(".../employees")`): the last segment of its location. */
function pathTable(s: string): string | undefined {
  const m =
    /Location: \w+(?:\(\d+ paths?\))?\s*\[([^\]]*?)\]/.exec(s) ?? /^\w+(?:\(\d+ paths?\))?\s*\[([^\]]*?)\]/.exec(s);
  const loc = m?.[1].split(',')[0].trim();
  if (!loc || loc.endsWith('...')) return undefined; // Spark abbreviates long locations: no name to read
  const last = loc
    .replace(/[/\\]+$/, '')
    .split(/[/\\]/)
    .pop()
    ?.replace(/\.(parquet|csv|json|orc|avro|delta)$/i, '');
  return last && /^[A-Za-z_][\w-]*$/.test(last) ? last.toLowerCase() : undefined;
}

export function evidenceOf(node: DagNode): OperatorEvidence {
  const role = roleOf(node.operator);
  const d = node.detail;
  const args = d.args ?? '';
  const ev: OperatorEvidence = {
    ...NONE,
    role,
    columns: [],
    atoms: [],
    keys: [],
    aliases: [],
    leftKeys: [],
    rightKeys: [],
  };
  switch (role) {
    case 'scan': {
      if (sparkOperatorOf(node.operator) === 'Range') {
        // `spark.range(n)`: Range (0, n, step=1, splits=2) as text, `0, n, 1, 2, [id#0L], false` formatted.
        const nums = [...`${args} ${d.Arguments ?? ''}`.matchAll(/(?<![#\w.])(\d+)(?![\w.])/g)]
          .map((m) => m[1])
          .slice(0, 2);
        ev.table = 'range';
        ev.literals = nums.filter((n, i) => i === 1 || n !== '0');
        ev.columns = attributes(d.Output ?? args);
        break;
      }
      // Local relations (inline VALUES, empty relations the optimizer made) read no table.
      ev.table = /^Local(TableScan|Relation)$/.test(node.operator)
        ? undefined
        : (d.table?.toLowerCase() ?? scanTable(args) ?? pathTable(d.Location ?? args));
      ev.columns = attributes(d.Output ?? args.split(' Batched:')[0]);
      if (ev.columns.length === 0 && d.ReadSchema)
        ev.columns = [...d.ReadSchema.matchAll(/(\w+):/g)].map((m) => m[1].toLowerCase()).filter((c) => c !== 'struct');
      const pushed = d.DataFilters ?? /DataFilters: \[(.*?)\], Format/.exec(args)?.[1];
      if (pushed) ev.atoms = splitTopLevel(pushed).flatMap(conditionAtoms);
      break;
    }
    case 'filter': {
      // Accelerated engines print the condition as the operator's Arguments (RAPIDS adds `, [loreId=N]`).
      const cond = (d.Condition ?? (args || d.Arguments || '')).replace(/,\s*\[\w+=\d+\]$/, '');
      ev.atoms = conditionAtoms(cond);
      ev.columns = attributes(cond);
      break;
    }
    case 'join': {
      const lists =
        d['Left keys'] !== undefined
          ? [d['Left keys'], d['Right keys'] ?? ''].map((l) => l.replace(/^\[|\]$/g, ''))
          : bracketLists(args).slice(0, 2);
      ev.leftKeys = keyAttributes(lists[0]);
      ev.rightKeys = keyAttributes(lists[1]);
      const cond =
        d['Join condition'] ??
        /(?:BuildLeft|BuildRight|Inner|Outer|Semi|Anti|Cross),\s*(\(.*\))(?:,\s*(?:true|false))?$/.exec(args)?.[1];
      ev.atoms = conditionAtoms(cond);
      ev.columns = [...new Set([...ev.leftKeys.flat(), ...ev.rightKeys.flat(), ...ev.atoms.flatMap((a) => a.columns)])];
      break;
    }
    case 'aggregate': {
      const keys =
        d.Keys !== undefined ? d.Keys.replace(/^\[|\]$/g, '') : (namedArg(args, 'keys') ?? bracketLists(args)[0]);
      const fns =
        d.Functions !== undefined ? d.Functions : (namedArg(args, 'functions') ?? bracketLists(args)[1] ?? '');
      // Spark's own names (`_groupingexpression` for GROUP BY substr(…), spark_grouping_id) are not in the code.
      ev.keys = keyAttributes(keys)
        .flat()
        .filter((k) => k !== 'spark_grouping_id' && !k.startsWith('_'));
      ev.partial = /\bpartial_|\bmerge_/.test(fns);
      ev.columns = attributes(fns);
      ev.aliases = aliasesOf(d.Results ?? namedArg(args, 'output') ?? '');
      break;
    }
    case 'sort': {
      if (node.operator.endsWith('TakeOrderedAndProject')) {
        const order = namedArg(args, 'orderBy') ?? bracketLists(d.Arguments ?? '')[0] ?? '';
        ev.keys = keyAttributes(order).flat();
      } else {
        const a = d.Arguments ?? args;
        ev.keys = keyAttributes(bracketLists(a)[0]).flat();
        // `Sort [...], false` is the local sort a sort-merge join or window needs, not an ORDER BY.
        ev.partial = /\],\s*false/.test(a);
      }
      break;
    }
    case 'window': {
      const lists = bracketLists(d.Arguments ?? args);
      ev.columns = attributes(lists[0] ?? '');
      ev.keys = keyAttributes(lists[1]).flat();
      ev.aliases = aliasesOf(lists[0] ?? '');
      break;
    }
    case 'expand':
      ev.columns = attributes(args);
      break;
    case 'project': {
      const list = d.Output ?? bracketLists(args || d.Arguments || '')[0] ?? '';
      ev.columns = attributes(list);
      ev.aliases = aliasesOf(d.Arguments ?? list);
      break;
    }
    case 'limit':
      ev.partial = /^LocalLimit/.test(node.operator);
      break;
    case 'generate':
      ev.columns = attributes(args);
      break;
    default:
      break;
  }
  return ev;
}
