/**
 * What a DAG node is called where space is short (graph boxes, lists): `FileScan store_sales` rather than a bare
 * `FileScan`, an Airflow task by its id. Shared by the engine (reading scans' tables) and the graph view.
 */

/** Table name from a scan's text: `parquet spark_catalog.db.t[cols]`, `parquet db.t`, `HiveTableRelation [`db`.`t`, …]`. */
export function scanTable(args: string): string | undefined {
  const hive = /HiveTableRelation \[`?([\w]+)`?\.`?([\w]+)`?/.exec(args);
  if (hive) return hive[2].toLowerCase();
  const bracketed = /(?:^|\s)([\w.`$-]+)\[/.exec(args);
  const head = bracketed
    ? bracketed[1]
    : (args.split(/\s+/).find((w, i, all) => i === all.length - 1 || /\./.test(w)) ?? '');
  const name = head.replace(/`/g, '').split('.').pop() ?? '';
  if (!/^[A-Za-z_][\w$-]*$/.test(name)) return undefined;
  if (/^(parquet|orc|csv|json|text|avro|delta|hive|ExistingRDD|JDBCRelation.*)$/i.test(name)) return undefined;
  return name.toLowerCase();
}

interface NodeLike {
  operator: string;
  label: string;
  detail?: Record<string, string>;
}

/** Operators that read a table (Spark's own and the accelerated engines' names for them). */
const SCAN = /(Scan|Relation)(Exec|Transformer)?$|^Scan\b/;

/** A node's short name for the graph: the operator, and for a scan the table it reads; non-plan DAGs' own names. */
export function graphLabel(dagKind: string, n: NodeLike): string {
  if (!dagKind.startsWith('spark')) return n.label || n.operator;
  if (SCAN.test(n.operator) && !/^Local(TableScan|Relation)$/.test(n.operator)) {
    const table = n.detail?.table ?? scanTable(n.detail?.args ?? n.label.slice(n.operator.length).trim());
    if (table) return `${n.operator} ${table}`;
  }
  return n.operator;
}
