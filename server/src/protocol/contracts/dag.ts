/**
 * The DAG → code contract (issue 5): what `daglens map --json` prints, what `daglens/mapDag` returns and
 * what the plan lenses and the graph view read. Lines are 1-based inclusive; files relative to the workspace.
 * Zod and plain types only (no LSP, no editor): the engine, the adapters and the webviews may import it.
 */
import { z } from 'zod';

export const DagMapLocationSchema = z.object({
  file: z.string(),
  /** The enclosing unit: CTE / derived table / function / dbt model / file stem. */
  symbol: z.string(),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  /** 0–1, calibrated on the public corpus: ≥ 0.8 is `high`, 0.5–0.8 `low`. */
  confidence: z.number().min(0).max(1),
  /** One sentence naming the evidence that matched. */
  explanation: z.string(),
});
export type DagMapLocation = z.infer<typeof DagMapLocationSchema>;

export const DagMapStatusSchema = z.enum(['high', 'low', 'derived', 'unmapped']);
export type DagMapStatus = z.infer<typeof DagMapStatusSchema>;

export const DagNodeMappingSchema = z.object({
  nodeId: z.string(),
  status: DagMapStatusSchema,
  best: DagMapLocationSchema.nullable(),
  /** Up to 3 other places, best first (the hook for LLM verification of `low` nodes). */
  alternatives: z.array(DagMapLocationSchema).max(3),
});
export type DagNodeMapping = z.infer<typeof DagNodeMappingSchema>;

/**
 * A SQL metric of a plan node as Spark shows it (`value`, Spark's own display string and units), with its
 * figures as numbers in `unit` (counts, bytes, milliseconds) for sorting and heat maps.
 */
export const RunMetricSchema = z.object({
  /** Spark's name: "number of output rows", "duration", "spill size", "peak memory", … */
  name: z.string(),
  /** Spark's metric type: sum, size, timing, nsTiming, average (REST answers: read off the value). */
  type: z.string(),
  value: z.string(),
  unit: z.enum(['count', 'bytes', 'ms']),
  total: z.number().optional(),
  min: z.number().optional(),
  med: z.number().optional(),
  max: z.number().optional(),
  /** Where the largest value came from: "stage 14.0: task 31", or "driver". */
  maxAt: z.string().optional(),
});
export type RunMetric = z.infer<typeof RunMetricSchema>;

export const DagContractNodeSchema = z.object({
  id: z.string(),
  operator: z.string(),
  label: z.string(),
  /** 1-based line where the node is printed in the DAG file; null for JSON inputs. */
  line: z.number().int().min(1).nullable(),
  /** An accelerated engine's operator (RAPIDS Gpu…, Photon…, Comet…, Gluten …Transformer): the Spark operator it stands for. */
  sparkOperator: z.string().optional(),
  /** Runs: the node's id in Spark's SQL plan graph (the History Server's `nodeId`, what the Spark UI shows). */
  sparkId: z.number().int().optional(),
  /** The operator id EXPLAIN FORMATTED prints, `(N)`, when the plan text has one. */
  planId: z.string().optional(),
  /** Where the node sits: the (final) plan, a subquery, or the adaptive plan's initial version. */
  section: z.enum(['main', 'subquery', 'initial']).optional(),
  /** Runs: the node's SQL metrics, as the run reported them. */
  metrics: z.array(RunMetricSchema).optional(),
});

export const DagMapProblemSchema = z.object({
  line: z.number().int().optional(),
  field: z.string().optional(),
  message: z.string(),
});
export type DagMapProblem = z.infer<typeof DagMapProblemSchema>;

export const DagMapResultSchema = z.object({
  dag: z.object({
    kind: z.string(),
    nodes: z.array(DagContractNodeSchema),
    /** [from, to]: data flows from `from` (an input) to `to` (its consumer). */
    edges: z.array(z.tuple([z.string(), z.string()])),
  }),
  mappings: z.array(DagNodeMappingSchema),
  stats: z.object({ ms: z.number(), llmCalls: z.number().int(), costUsd: z.number() }),
  /** The source units the DAG most likely came from, best first (file-level score 0–1). */
  sources: z.array(z.object({ file: z.string(), score: z.number() })).default([]),
  /** What was wrong with the input (line or field, message); the mapping keeps what could be read. */
  problems: z.array(DagMapProblemSchema).default([]),
});
export type DagMapResult = z.infer<typeof DagMapResultSchema>;

export const MapDagParamsSchema = z.object({
  /** The DAG file (plan text, manifest, JSON DAG, Airflow DAG file); its open editor text wins over the disk. */
  uri: z.string().min(1),
  /** Pass to map another text than the file's (e.g. an unsaved selection). */
  text: z.string().optional(),
});
export type MapDagParams = z.infer<typeof MapDagParamsSchema>;

/** Client command the DAG lenses run: open `uri` and select 0-based lines `startLine`..`endLine`. */
export const OPEN_LOCATION_COMMAND = 'daglens.openLocation';
export const OpenLocationArgsSchema = z.object({
  uri: z.string().min(1),
  startLine: z.number().int().min(0),
  endLine: z.number().int().min(0),
});
export type OpenLocationArgs = z.infer<typeof OpenLocationArgsSchema>;
