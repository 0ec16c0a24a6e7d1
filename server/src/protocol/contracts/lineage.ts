/**
 * Table/column lineage and impact analysis (issue 4): what `daglens lineage --json` / `daglens impact --json`
 * print and what `daglens/lineage` / `daglens/impact` return. Files relative to the workspace, lines 1-based.
 * Zod and plain types only (no LSP, no editor): the engine, the adapters and the webviews may import it.
 */
import { z } from 'zod';

export const LineageRefSchema = z.object({
  asset: z.string(),
  /** 1-based line of the code that names the asset. */
  line: z.number().int().min(1),
  /** Set when the reference is in another file than the process (an Airflow task's .sql file). */
  file: z.string().optional(),
  /** The name is only partly known (f-string placeholders, unresolvable Jinja). */
  dynamic: z.boolean().optional(),
  /** dbt: a relation named directly in SQL, not through ref()/source() — dbt itself draws no edge for it. */
  direct: z.boolean().optional(),
});
export type LineageRef = z.infer<typeof LineageRefSchema>;

export const LineageProcessSchema = z.object({
  id: z.string(),
  kind: z.enum(['sql_statement', 'dbt_model', 'pyspark', 'spark_scala', 'airflow_task']),
  file: z.string(),
  symbol: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  reads: z.array(LineageRefSchema),
  writes: z.array(LineageRefSchema),
  /** Why the extraction is partial; empty when complete. */
  partial: z.array(z.string()),
  /** dbt: macros called that are neither the project's nor installed (run `dbt deps`, or keep target/manifest.json). */
  unresolvedMacros: z.array(z.string()).optional(),
  /** Airflow: ids of the upstream tasks' processes. */
  upstream: z.array(z.string()).optional(),
  /** PySpark: which reads each written asset derives from (traced through DataFrame variables); others: all. */
  flows: z.array(z.object({ to: z.string(), from: z.array(z.string()) })).optional(),
});
export type LineageProcess = z.infer<typeof LineageProcessSchema>;

export const LineageAssetSchema = z.object({
  id: z.string(),
  kind: z.enum(['table', 'view', 'file', 'dbt_model', 'dbt_seed', 'dbt_snapshot', 'dbt_source', 'dataset']),
  name: z.string(),
  /** dbt nodes: the relation built or pointed at. */
  relation: z.string().optional(),
  writers: z.array(z.string()),
  readers: z.array(z.string()),
});
export type LineageAsset = z.infer<typeof LineageAssetSchema>;

export const LineageColumnSchema = z.object({
  process: z.string(),
  /** The asset the column belongs to (the process's output), when known. */
  asset: z.string().optional(),
  column: z.string(),
  line: z.number().int().min(1),
  sources: z.array(
    z.object({ asset: z.string().optional(), column: z.string(), candidates: z.array(z.string()).optional() }),
  ),
  /** e.g. "* kept: columns of x unknown". */
  note: z.string().optional(),
});
export type LineageColumn = z.infer<typeof LineageColumnSchema>;

export const LineageResultSchema = z.object({
  assets: z.array(LineageAssetSchema),
  processes: z.array(LineageProcessSchema),
  columns: z.array(LineageColumnSchema),
});
export type LineageResult = z.infer<typeof LineageResultSchema>;

export const LineageParamsSchema = z.object({
  /** The processes of this document (and the assets they touch)… */
  uri: z.string().optional(),
  /** …or of the assets/processes matching this name (a table, dbt model, process id); neither: the workspace. */
  symbol: z.string().optional(),
});
export type LineageParams = z.infer<typeof LineageParamsSchema>;

export const ImpactStepSchema = z.object({ from: z.string(), process: z.string(), to: z.string() });
export const ImpactResultSchema = z.object({
  /** The resolved start: asset id, `asset.column`, or process id. */
  start: z.string(),
  kind: z.enum(['asset', 'column', 'process', 'unknown']),
  direction: z.enum(['downstream', 'upstream']),
  hits: z.array(z.object({ asset: z.string(), distance: z.number().int(), path: z.array(ImpactStepSchema) })),
  columns: z
    .array(
      z.object({ asset: z.string(), column: z.string(), distance: z.number().int(), path: z.array(ImpactStepSchema) }),
    )
    .optional(),
});
export type ImpactResult = z.infer<typeof ImpactResultSchema>;

export const ImpactParamsSchema = z.object({
  /** An asset (table, dbt model/source, path), `table.column`, or a process id… */
  asset: z.string().optional(),
  /** …or a code location: the asset named there, else the innermost process there. */
  uri: z.string().optional(),
  position: z.object({ line: z.number().int().min(0), character: z.number().int().min(0) }).optional(),
  direction: z.enum(['downstream', 'upstream']).default('downstream'),
});
export type ImpactParams = z.input<typeof ImpactParamsSchema>;

/** Arguments of the `daglens.showLineage` client command that a resolved lineage code lens runs. */
export const ShowLineageArgsSchema = z.object({
  title: z.string(),
  items: z.array(
    z.object({
      /** "reads", "writes", "downstream", "upstream". */
      group: z.string(),
      label: z.string(),
      detail: z.string().optional(),
      uri: z.string().optional(),
      /** 0-based line to reveal in `uri`. */
      line: z.number().int().min(0).optional(),
    }),
  ),
});
export type ShowLineageArgs = z.infer<typeof ShowLineageArgsSchema>;
export const SHOW_LINEAGE_COMMAND = 'daglens.showLineage';
