/**
 * Python lineage from the tree-sitter tree: one process per function with its Spark/SQL reads and writes
 * (the call patterns are in ./pyspark) and the data flow through its DataFrame variables; Airflow DAGs and
 * tasks (operators with task_id, TaskFlow @task, task groups, >> / << / set_upstream / chain, SQL given to
 * operators inline, in a constant or as a .sql path, Dataset inlets/outlets/schedules); dbt Python models.
 * Strings built at run time (f-strings, .format, %) keep their variable parts as `{…}` placeholders and the
 * names that hold them are marked dynamic.
 */
import type Parser from 'tree-sitter';
import type { NameDefaults } from './names';
import { dagIdOf, datasetCalls, isStringy, kwarg, kwargString, stringsIn, stringText } from './pyAst';
import { SparkCalls } from './pyspark';

type Node = Parser.SyntaxNode;

export interface PyRef {
  kind: 'table' | 'file' | 'dataset' | 'ref' | 'source';
  name: string;
  /** dbt ref/source arguments. */
  args?: string[];
  start: number;
  end: number;
  dynamic?: boolean;
}

export interface PyDraft {
  kind: 'pyspark' | 'spark_scala' | 'airflow_task' | 'dbt_model';
  symbol: string;
  start: number;
  end: number;
  /** End of the name (for a zero-width location of the model's own output). */
  nameEnd?: number;
  reads: PyRef[];
  writes: PyRef[];
  partial: string[];
  /** Airflow: upstream task ids. */
  upstream?: string[];
  /** Airflow: the task's operator class (`BashOperator`) or TaskFlow decorator (`@task`, `@task.virtualenv`). */
  operator?: string;
  sqlFiles?: Array<{ path: string }>;
  searchPaths?: string[];
  dbtModel?: boolean;
  /** Data flow traced through DataFrame variables: write index → indexes of the reads it derives from. */
  flows?: Array<{ write: number; reads: number[] }>;
}

const SQL_KWARGS = new Set(['sql', 'query', 'sql_query', 'statement']);
const MAX_DEPTH = 400;

export function extractPython(root: Node, names: NameDefaults): { drafts: PyDraft[]; dbtModel: boolean } {
  const x = new PyExtractor(names);
  x.run(root);
  return { drafts: x.drafts, dbtModel: x.dbtModel };
}

interface Dag {
  id: string;
  tasks: Map<string, PyDraft>;
  /** variable → task id */
  vars: Map<string, string>;
  /** Datasets in its `schedule`: an update of one starts the DAG, so its first tasks read them. */
  triggers: PyRef[];
  /** variable → the task ids of the task group it holds */
  groups: Map<string, string[]>;
}

class PyExtractor {
  readonly drafts: PyDraft[] = [];
  private readonly moduleStrings = new Map<string, Node>();
  private readonly dagVars = new Map<string, Dag>();
  /** @task_group function name → the task ids created inside it. */
  private readonly taskGroups = new Map<string, string[]>();
  dbtModel = false;
  private readonly dags: Dag[] = [];
  /** TaskFlow function name → task id (per file; DAG found from where it is defined). */
  private readonly taskflow = new Map<string, { dag?: Dag; task: PyDraft }>();

  private readonly spark: SparkCalls;

  constructor(names: NameDefaults) {
    this.spark = new SparkCalls(names);
  }

  run(root: Node): void {
    this.scope(root, undefined, '<module>', root, 0);
    for (const dag of this.dags) {
      if (!dag.triggers.length) continue;
      for (const t of dag.tasks.values()) if (!t.upstream?.length) t.reads.push(...dag.triggers);
    }
  }

  private newDag(id: string, call: Node | undefined): Dag {
    const d: Dag = { id, tasks: new Map(), vars: new Map(), triggers: [], groups: new Map() };
    const schedule = call && (kwarg(call, 'schedule') ?? kwarg(call, 'schedule_interval'));
    if (schedule) d.triggers = datasetsIn(schedule);
    this.dags.push(d);
    return d;
  }

  /** The only DAG made by assignment in this file, if exactly one (operators outside a with-block belong to it). */
  private soleDagVar(): Dag | undefined {
    return this.dagVars.size === 1 ? [...this.dagVars.values()][0] : undefined;
  }

  /** `dag = DAG(…)` with operators given `dag=dag` outside a with-block: the DAG a call belongs to. */
  private dagOfCall(call: Node): Dag | undefined {
    const v = kwarg(call, 'dag');
    return v?.type === 'identifier' ? this.dagVars.get(v.text) : undefined;
  }

  /** One code unit (module or function body): its reads/writes, nested functions as their own units. */
  private scope(body: Node, dag: Dag | undefined, symbol: string, owner: Node, depth: number, isTask?: PyDraft): void {
    if (depth > MAX_DEPTH) return;
    const draft: PyDraft = isTask ?? {
      kind: 'pyspark',
      symbol,
      start: owner.startIndex,
      end: owner.endIndex,
      reads: [],
      writes: [],
      partial: [],
    };
    // String constants: the module's are visible in every function defined after them.
    const strings = symbol === '<module>' ? this.moduleStrings : new Map<string, Node>(this.moduleStrings);
    // DataFrame data flow: variable → the reads its value derives from (unions: branches and loops stay safe).
    const env = new Map<string, Set<number>>();
    const sourcesIn = (n: Node): Set<number> => {
      const out = new Set<number>();
      const spans: Array<[number, number]> = [[n.startIndex, n.endIndex]];
      for (const id of n.type === 'identifier' ? [n] : n.descendantsOfType('identifier')) {
        for (const r of env.get(id.text) ?? []) out.add(r);
        const str = strings.get(id.text);
        if (str) spans.push([str.startIndex, str.endIndex]);
      }
      draft.reads.forEach((r, i) => {
        if (spans.some(([a, b]) => a <= r.start && r.end <= b)) out.add(i);
      });
      return out;
    };
    const visit = (n: Node, d: number, curDag: Dag | undefined): void => {
      if (d > MAX_DEPTH) return;
      const own = this.visitNode(n, d, curDag, draft, strings, symbol, depth, visit);
      if (own) {
        // After the children: the reads inside this call (spark.table(b) in df.join(…)) are known now.
        const src = [...sourcesIn(n)];
        const traced = new Set((draft.flows ?? []).map((f) => f.write));
        if (src.length)
          for (let w = own[0]; w < own[1]; w++) if (!traced.has(w)) (draft.flows ??= []).push({ write: w, reads: src });
      }
      if (n.type === 'assignment') {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left?.type === 'identifier' && right) {
          const prev = env.get(left.text) ?? new Set<number>();
          for (const r of sourcesIn(right)) prev.add(r);
          env.set(left.text, prev);
        }
      }
    };
    for (const c of body.namedChildren) visit(c, depth + 1, dag);
    if (!isTask && (draft.reads.length || draft.writes.length || draft.partial.length)) this.drafts.push(draft);
  }

  /**
   * One node of a unit: nested units, DAGs, tasks, Spark calls; then its children. Returns the range of
   * write indexes this very call added (for the data-flow bookkeeping), if any.
   */
  private visitNode(
    n: Node,
    d: number,
    curDag: Dag | undefined,
    draft: PyDraft,
    strings: Map<string, Node>,
    symbol: string,
    depth: number,
    visit: (n: Node, d: number, dag: Dag | undefined) => void,
  ): [number, number] | undefined {
    let own: [number, number] | undefined;
    {
      switch (n.type) {
        case 'function_definition':
          this.func(n, undefined, curDag, symbol, depth);
          return;
        case 'decorated_definition': {
          const def = n.childForFieldName('definition');
          if (def?.type === 'function_definition') this.func(def, n, curDag, symbol, depth);
          else if (def) visit(def, d + 1, curDag);
          return;
        }
        case 'class_definition': {
          const b = n.childForFieldName('body');
          if (b) for (const c of b.namedChildren) visit(c, d + 1, curDag);
          return;
        }
        case 'with_statement': {
          const newDag = this.dagFromWith(n) ?? curDag;
          for (const c of n.namedChildren) visit(c, d + 1, newDag);
          return;
        }
        case 'assignment': {
          const left = n.childForFieldName('left');
          const right = n.childForFieldName('right');
          if (left?.type === 'identifier' && right && isStringy(right)) strings.set(left.text, right);
          if (
            left?.type === 'identifier' &&
            right?.type === 'call' &&
            /^(DAG|models\.DAG|airflow\.DAG)$/.test(right.childForFieldName('function')?.text ?? '')
          ) {
            const id = dagIdOf(right);
            if (id) this.dagVars.set(left.text, this.newDag(id, right));
          }
          const assignDag =
            curDag ?? (right?.type === 'call' ? (this.dagOfCall(right) ?? this.soleDagVar()) : undefined);
          if (left?.type === 'identifier' && right?.type === 'call' && assignDag) {
            const curDag = assignDag;
            const group = this.tasksOf(right, curDag);
            const base = (right.childForFieldName('function')?.text ?? '').replace(
              /\.(override|expand|partial|expand_kwargs)\b.*$/,
              '',
            );
            if (this.taskGroups.has(base)) curDag.groups.set(left.text, group);
            const tid = this.taskFromCall(right, curDag) ?? this.taskflowCall(right, curDag);
            if (tid) curDag.vars.set(left.text, tid);
          }
          break;
        }
        case 'call': {
          const callDag = curDag ?? this.dagOfCall(n) ?? this.soleDagVar();
          if (callDag) this.taskFromCall(n, callDag) ?? this.taskflowCall(n, callDag);
          if (callDag) this.dependencyCall(n, callDag);
          const before = draft.writes.length;
          this.spark.call(n, draft, strings);
          if (draft.writes.length > before) own = [before, draft.writes.length];
          break;
        }
        case 'binary_operator': {
          const opDag = curDag ?? this.soleDagVar();
          if (opDag) this.shiftDeps(n, opDag);
          break;
        }
      }
      for (const c of n.namedChildren) visit(c, d + 1, curDag);
    }
    return own;
  }

  private func(def: Node, decorated: Node | undefined, dag: Dag | undefined, parent: string, depth: number): void {
    const name = def.childForFieldName('name')?.text ?? '?';
    const body = def.childForFieldName('body');
    const owner = decorated ?? def;
    const decorators = decorated ? decorated.namedChildren.filter((c) => c.type === 'decorator') : [];
    const dagDeco = decorators.find((d) => /^@?\s*(dag|models\.dag)\b/.test(d.text.replace(/^@/, '')));
    const taskDeco = decorators.find((d) => /^(task|task\.\w+)\b/.test(d.text.replace(/^@\s*/, '')));
    if (!body) return;
    const symbol = parent === '<module>' ? name : `${parent}.${name}`;
    if (dagDeco) {
      const call = dagDeco.namedChildren.find((c) => c.type === 'call');
      const id = (call && kwargString(call, 'dag_id')) ?? name;
      const d = this.newDag(id, call);
      this.scope(body, d, symbol, owner, depth + 1);
      return;
    }
    if (taskDeco) {
      const call = taskDeco.namedChildren.find((c) => c.type === 'call');
      const taskId = (call && kwargString(call, 'task_id')) ?? name;
      const operator = `@${taskDeco.text.replace(/^@\s*/, '').split('(')[0]!.trim()}`;
      const task: PyDraft = {
        kind: 'airflow_task',
        symbol: `${dag?.id ?? '?'}.${taskId}`,
        start: owner.startIndex,
        end: owner.endIndex,
        reads: [],
        writes: [],
        partial: [],
        upstream: [],
        operator,
      };
      if (call) this.inletsOutlets(call, task);
      if (dag) dag.tasks.set(taskId, task);
      this.taskflow.set(name, { dag, task });
      this.drafts.push(task);
      this.scope(body, undefined, symbol, owner, depth + 1, task);
      return;
    }
    if (dag && decorators.some((d) => /^@\s*(task_group|taskgroup)\b/i.test(d.text))) {
      const before = new Set(dag.tasks.keys());
      this.scope(body, dag, symbol, owner, depth + 1);
      this.taskGroups.set(
        name,
        [...dag.tasks.keys()].filter((k) => !before.has(k)),
      );
      return;
    }
    if (
      name === 'model' &&
      parent === '<module>' &&
      /^\(\s*dbt\s*,/.test(def.childForFieldName('parameters')?.text ?? '')
    ) {
      this.dbtModel = true;
      const draft: PyDraft = {
        kind: 'dbt_model',
        symbol: 'model',
        start: owner.startIndex,
        end: owner.endIndex,
        nameEnd: def.childForFieldName('name')!.endIndex,
        reads: [],
        writes: [],
        partial: [],
        dbtModel: true,
      };
      this.drafts.push(draft);
      this.scope(body, undefined, symbol, owner, depth + 1, draft);
      return;
    }
    this.scope(body, dag, symbol, owner, depth + 1);
  }

  // ── Airflow ──────────────────────────────────────────────────────────────────────────────────────

  private dagFromWith(n: Node): Dag | undefined {
    const item = n.descendantsOfType('with_item')[0];
    let v = item?.childForFieldName('value');
    if (v?.type === 'as_pattern') v = v.namedChildren[0];
    if (v?.type !== 'call' || !/(^|\.)DAG$/.test(v.childForFieldName('function')?.text ?? '')) return undefined;
    const id = dagIdOf(v);
    if (!id) return undefined;
    return this.newDag(id, v);
  }

  /** `XOperator(task_id=…, sql=…)`: a task. Returns its task id. */
  private taskFromCall(call: Node, dag: Dag): string | undefined {
    const fn = call.childForFieldName('function');
    if (!fn) return undefined;
    const taskId = kwargString(call, 'task_id');
    if (!taskId) {
      // Op.partial(task_id=…).expand(…): the task is the inner call.
      const inner = fn.type === 'attribute' ? fn.childForFieldName('object') : null;
      const m = fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
      return inner?.type === 'call' && (m === 'expand' || m === 'expand_kwargs' || m === 'partial' || m === 'override')
        ? this.taskFromCall(inner, dag)
        : undefined;
    }
    if (dag.tasks.has(taskId) && dag.tasks.get(taskId)!.start === call.startIndex) return taskId;
    // `Op.partial(task_id=…)`: the class before the mapping call.
    const operator =
      fn.text
        .replace(/\.(partial|expand|expand_kwargs|override)$/, '')
        .split('.')
        .pop() ?? fn.text;
    const task: PyDraft = {
      kind: 'airflow_task',
      symbol: `${dag.id}.${taskId}`,
      start: call.startIndex,
      end: call.endIndex,
      reads: [],
      writes: [],
      partial: [],
      upstream: [],
      operator,
    };
    const args = call.childForFieldName('arguments');
    for (const kw of args?.namedChildren.filter((c) => c.type === 'keyword_argument') ?? []) {
      const k = kw.childForFieldName('name')?.text ?? '';
      const v = kw.childForFieldName('value');
      if (!v) continue;
      if (SQL_KWARGS.has(k))
        for (const s of v.type === 'list' ? v.namedChildren : [v]) this.spark.sqlArg(s, task, this.moduleStrings);
      // BigQueryInsertJobOperator(configuration={"query": {"query": "…"}}) and the like.
      if (k === 'configuration' && v.type === 'dictionary') {
        for (const pair of v.descendantsOfType('pair')) {
          const key = pair.childForFieldName('key');
          const val = pair.childForFieldName('value');
          if (key && val && isStringy(key) && stringText(key).value === 'query' && val.type !== 'dictionary')
            this.spark.sqlArg(val, task, this.moduleStrings);
        }
      }
      if (k === 'template_searchpath') task.searchPaths = stringsIn(v);
    }
    this.inletsOutlets(call, task);
    dag.tasks.set(taskId, task);
    this.drafts.push(task);
    return taskId;
  }

  private inletsOutlets(call: Node, task: PyDraft): void {
    for (const [k, list] of [
      ['inlets', task.reads],
      ['outlets', task.writes],
    ] as const) {
      const v = kwarg(call, k);
      if (v) list.push(...datasetsIn(v));
    }
  }

  /** `x = my_task()` for a TaskFlow function: the variable stands for that task. */
  private taskflowCall(call: Node, dag: Dag): string | undefined {
    const fn = call.childForFieldName('function')?.text ?? '';
    const base = fn.replace(/\.(override|expand|partial)\b.*$/, '');
    const tf = this.taskflow.get(base);
    if (!tf) return undefined;
    const id = tf.task.symbol.slice(tf.task.symbol.indexOf('.') + 1);
    if (!tf.dag) {
      // A task defined outside the DAG function and called inside it.
      tf.task.symbol = `${dag.id}.${id}`;
      dag.tasks.set(id, tf.task);
    }
    // Passing a task's output to a TaskFlow task makes it upstream: t2(t1()), t2(x) with x = t1(), expand(a=t1.output).
    for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
      const v = a.type === 'keyword_argument' ? a.childForFieldName('value') : a;
      if (v) this.link(this.tasksOf(v, dag), [id], dag);
    }
    return id;
  }

  /** The task ids an expression stands for: a task variable, a TaskFlow call, or a list of those. */
  private tasksOf(n: Node, dag: Dag): string[] {
    if (n.type === 'identifier') {
      if (dag.groups.has(n.text)) return dag.groups.get(n.text)!;
      return dag.vars.has(n.text) ? [dag.vars.get(n.text)!] : dag.tasks.has(n.text) ? [n.text] : [];
    }
    if (n.type === 'attribute' && n.childForFieldName('attribute')?.text === 'output')
      return this.tasksOf(n.childForFieldName('object')!, dag);
    if (n.type === 'call') {
      const base = (n.childForFieldName('function')?.text ?? '').replace(
        /\.(override|expand|partial|expand_kwargs)\b.*$/,
        '',
      );
      const group = this.taskGroups.get(base);
      if (group) {
        // Arguments of a task group call feed its tasks (get_sentiment.expand(feedback=gather.output)).
        for (const a of n.childForFieldName('arguments')?.namedChildren ?? []) {
          const v = a.type === 'keyword_argument' ? a.childForFieldName('value') : a;
          if (v) this.link(this.tasksOf(v, dag), group, dag);
        }
        return group;
      }
    }
    if (n.type === 'list' || n.type === 'tuple') return n.namedChildren.flatMap((c) => this.tasksOf(c, dag));
    if (n.type === 'call') {
      const t = this.taskFromCall(n, dag) ?? this.taskflowCall(n, dag);
      return t ? [t] : [];
    }
    if (n.type === 'binary_operator') {
      // In `a >> b >> c` the value of `a >> b` is b.
      const op = n.childForFieldName('operator')?.text;
      const r = n.childForFieldName('right');
      const l = n.childForFieldName('left');
      if (op === '>>' && r) return this.tasksOf(r, dag);
      if (op === '<<' && l) return this.tasksOf(r ?? l, dag);
    }
    if (n.type === 'parenthesized_expression' && n.namedChildren[0]) return this.tasksOf(n.namedChildren[0], dag);
    return [];
  }

  private shiftDeps(n: Node, dag: Dag): void {
    const op = n.childForFieldName('operator')?.text;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if (!l || !r || (op !== '>>' && op !== '<<')) return;
    const left = this.tasksOf(l, dag);
    const right = l.type === 'binary_operator' ? this.tasksOf(r, dag) : this.tasksOf(r, dag);
    const [up, down] = op === '>>' ? [left, right] : [right, left];
    this.link(up, down, dag);
  }

  private link(up: string[], down: string[], dag: Dag): void {
    for (const d of down) {
      const t = dag.tasks.get(d);
      if (!t) continue;
      for (const u of up) if (u !== d && !t.upstream!.includes(`${dag.id}.${u}`)) t.upstream!.push(`${dag.id}.${u}`);
    }
  }

  private dependencyCall(call: Node, dag: Dag): void {
    const fn = call.childForFieldName('function');
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    if (!fn) return;
    if (fn.type === 'identifier' && (fn.text === 'chain' || fn.text === 'chain_linear')) {
      const groups = args.map((a) => this.tasksOf(a, dag));
      for (let i = 1; i < groups.length; i++) this.link(groups[i - 1], groups[i], dag);
      return;
    }
    if (fn.type === 'attribute') {
      const m = fn.childForFieldName('attribute')?.text;
      const obj = fn.childForFieldName('object');
      if (!obj || (m !== 'set_upstream' && m !== 'set_downstream')) return;
      const self = this.tasksOf(obj, dag);
      const others = args.flatMap((a) => this.tasksOf(a, dag));
      if (m === 'set_downstream') this.link(self, others, dag);
      else this.link(others, self, dag);
    }
  }

  // ── PySpark / SQL ────────────────────────────────────────────────────────────────────────────────
}

function datasetsIn(n: Node): PyRef[] {
  return datasetCalls(n).map(({ uri }) => {
    const { value, dynamic } = stringText(uri);
    return {
      kind: 'dataset' as const,
      name: value,
      start: uri.startIndex,
      end: uri.endIndex,
      ...(dynamic ? { dynamic: true } : {}),
    };
  });
}
