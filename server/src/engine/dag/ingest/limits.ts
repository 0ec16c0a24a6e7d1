/** How much of a DAG file is read (`daglens.limits.*`): keeps a hostile or broken file from taking the process down. */
export interface DagLimits {
  /** Deepest operator nesting read (plan JSON trees; JSON DAGs nest at most twice this). */
  maxDagDepth: number;
  /** Most nodes read from one DAG; the rest are skipped and said so. */
  maxDagNodes: number;
}

export const DEFAULT_DAG_LIMITS: DagLimits = { maxDagDepth: 1_000, maxDagNodes: 100_000 };
