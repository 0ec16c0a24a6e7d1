/**
 * What a run is once read, whatever it was read from (event log, REST answers, a live History Server): the
 * application, its SQL executions with their plans (text and Spark's plan graph) and jobs, and the metrics.
 * The mapping to code (service.ts) works on this.
 */
import type { DagMapProblem, RunApp, RunMetric, RunStatus } from '../../protocol/contracts';
import type { MetricDef } from './metrics';

/** A node of Spark's SQL plan graph (SparkPlanGraph): what the Spark UI draws and the REST API lists. */
export interface GraphNode {
  sparkId: number;
  /** nodeName: "Filter", "Scan parquet db.t", "WholeStageCodegen (2)". */
  name: string;
  /** simpleString (event logs): the operator with its arguments, as EXPLAIN prints it. */
  desc: string;
  /** A WholeStageCodegen cluster (its members are the operators fused into it). */
  cluster: boolean;
  /** Members: the codegen stage they run in. */
  codegenStage?: number;
  /** Members (event logs): the cluster node they are fused into (Spark 2 clusters carry no stage number). */
  clusterId?: number;
  /** Event logs: the accumulators behind the node's metrics. */
  metricDefs: MetricDef[];
  /** REST answers: the metrics as the server displayed them. */
  metrics?: RunMetric[];
  metadata?: Record<string, string>;
}

export interface PlanGraph {
  nodes: GraphNode[];
  /** [from, to] as Spark gives them: from a child (input) to its parent (consumer). */
  edges: Array<[number, number]>;
}

export interface JobRecord {
  jobId: number;
  status: RunStatus;
  stageIds: number[];
  executionId?: number;
  description?: string;
  callSite?: string;
  error?: string;
  submissionTime?: number;
  completionTime?: number;
}

export interface ExecutionRecord {
  executionId: number;
  rootExecutionId: number | null;
  description: string;
  /** The driver's stack when the execution started (first frame: which API ran it). */
  details: string;
  startTime: number | null;
  endTime: number | null;
  /** Spark 3.4+: set when the execution failed. */
  errorMessage?: string;
  /** REST answers: COMPLETED / FAILED / RUNNING. */
  restStatus?: string;
  /** The latest physical plan text (after adaptive updates, the final plan with the initial one below). */
  planText: string | null;
  graph: PlanGraph | null;
  /** Plans seen: 1 + adaptive updates. */
  planVersions: number;
  /** Every metric of every plan version, by accumulator id. */
  metricDefs: Map<number, MetricDef>;
  jobIds: number[];
  /** Distinct failure messages of this execution's failed tasks (Python tracebacks name the UDF). */
  taskFailures: string[];
}

export interface RunData {
  app: RunApp;
  executions: ExecutionRecord[];
  jobs: Map<number, JobRecord>;
  skippedLines: number;
  problems: DagMapProblem[];
  /** The metric of an accumulator in an execution (event logs); REST graphs carry theirs on the nodes. */
  metric?: (def: MetricDef, x: ExecutionRecord) => RunMetric | undefined;
  stats: { bytes: number; lines: number; events: number };
}

export const emptyApp = (): RunApp => ({ id: null, name: null, sparkVersion: null, startTime: null, endTime: null });
