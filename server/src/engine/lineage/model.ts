/**
 * The lineage graph model: assets (tables, views, files, dbt models and sources) and processes (code units
 * that read and write them: SQL statements, dbt models, PySpark functions, Airflow tasks), joined by edges
 * asset → process → asset. Every edge carries the exact location of the code that reads or writes.
 * Engine-only types: no LSP or VS Code here (protocol/contracts has the JSON shapes for the CLI and LSP).
 */
import type { Span } from '../types';

export type AssetKind =
  'table' | 'view' | 'file' | 'dbt_model' | 'dbt_seed' | 'dbt_snapshot' | 'dbt_source' | 'dataset';

export interface Asset {
  /** Stable id: the normalised name for tables/views, `file:PATH`, dbt unique ids (`model.pkg.name`). */
  id: string;
  kind: AssetKind;
  /** What people call it (the table name, the dbt model name, the path). */
  name: string;
  /** For dbt nodes: the relation the model builds or the source points at (normalised). */
  relation?: string;
}

export type ProcessKind = 'sql_statement' | 'dbt_model' | 'pyspark' | 'spark_scala' | 'airflow_task';

/** Where in a file something happens: 0-based positions and UTF-16 offsets, as everywhere in the engine. */
export interface Location {
  /** Absolute path. */
  file: string;
  span: Span;
}

export interface AssetRef {
  asset: Asset;
  /** The exact code that names the asset (the table reference, the ref() call, the path literal). */
  location: Location;
  /** Set when the name is only partly known (f-string placeholders, Jinja that could not be resolved). */
  dynamic?: boolean;
  /** dbt: a relation named directly in SQL (`from analytics.orders`), not through ref()/source(): dbt draws no edge. */
  direct?: boolean;
}

export interface ColumnSource {
  /** Asset id, or undefined when the column's table could not be decided (then `candidates` lists them). */
  asset?: string;
  column: string;
  candidates?: string[];
}

export interface ColumnLineage {
  /** Output column name (`*` when a star could not be expanded). */
  name: string;
  sources: ColumnSource[];
  /** The select-list item that computes it. */
  span: Span;
  /** Why the result is incomplete, e.g. "* kept: schema of x unknown". */
  note?: string;
}

export interface Process {
  /** `file#symbol@startOffset`, unique within a workspace. */
  id: string;
  kind: ProcessKind;
  file: string;
  /** A readable name: `INSERT INTO sales`, the dbt model name, `etl.load`, `dag_id.task_id`. */
  symbol: string;
  span: Span;
  reads: AssetRef[];
  writes: AssetRef[];
  /** Column lineage of the output, where the process is (or contains) a query. */
  columns: ColumnLineage[];
  /** Select items inside the process (CTEs, subqueries) with their sources: what a column hover shows. */
  innerColumns?: ColumnLineage[];
  /** Output asset the columns belong to, when known. */
  columnsOf?: string;
  /** Reasons the extraction is partial (unparseable region, dynamic name, …); empty when complete. */
  partial: string[];
  /** dbt: macros the model calls that are neither the project's nor installed (a package before `dbt deps`). */
  unresolvedMacros?: string[];
  /**
   * Which reads each write derives from, where the code says so (PySpark DataFrame variables). A write with no
   * entry derives from every read (the safe default); impact analysis follows these instead of all pairs.
   */
  flows?: Array<{ to: string; from: string[] }>;
  /** Airflow: task ids upstream of this task within its DAG (process ids). */
  upstream?: string[];
  /** Airflow: the task's operator class (`BashOperator`) or TaskFlow decorator (`@task`). */
  operator?: string;
}

/** One step of an impact path: from an asset, through a process, to an asset. */
export interface ImpactStep {
  from: string;
  process: string;
  to: string;
}

export interface ImpactHit {
  asset: string;
  /** Number of processes between the start and this asset. */
  distance: number;
  /** The edges that lead from the start to this asset, in order. */
  path: ImpactStep[];
}
