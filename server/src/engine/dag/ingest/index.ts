/**
 * DAG ingestion: recognises the format of a DAG file (Spark plan text or JSON, dbt manifest, generic
 * JSON DAG) and reads it into the normalised model. Never throws on user data: problems are returned
 * with the line or field they concern, and whatever could be read is kept. Limits (nesting depth, node
 * count: `daglens.limits.*`) keep a hostile or broken file from taking the process down.
 */
import { validateDag, emptyEvidence, type IngestResult } from '../model';
import { stripBom } from './decode';
import { parseJsonDag } from './jsonDag';
import { parseSparkExplain } from './sparkExplain';
import { DEFAULT_DAG_LIMITS, type DagLimits } from './limits';

export { DEFAULT_DAG_LIMITS, type DagLimits } from './limits';

const MAX_PROBLEMS = 100;

export function ingestDag(raw: string, fileName = '', limits: DagLimits = DEFAULT_DAG_LIMITS): IngestResult {
  let result: IngestResult;
  const text = stripBom(raw);
  const trimmed = text.trimStart();
  try {
    if (trimmed.startsWith('{') || trimmed.startsWith('[') || /\.json$/i.test(fileName))
      result = parseJsonDag(text, limits);
    else result = parseSparkExplain(text, limits.maxDagNodes);
  } catch (e) {
    // A parser bug must not lose the user's request, nor show them our internals: one sentence, the detail in the log.
    const kind = e instanceof RangeError ? 'it is nested or sized beyond what DagLens reads' : 'DagLens failed on it';
    if (process.env.DAGLENS_DEBUG) console.error(e);
    return {
      dag: { kind: 'generic', nodes: [], edges: [] },
      problems: [{ message: `could not read this DAG: ${kind} (please report the file)` }],
      evidence: emptyEvidence(),
    };
  }
  if (result.dag.nodes.length > limits.maxDagNodes) {
    const kept = new Set(result.dag.nodes.slice(0, limits.maxDagNodes).map((n) => n.id));
    result = {
      ...result,
      dag: {
        ...result.dag,
        nodes: result.dag.nodes.slice(0, limits.maxDagNodes),
        edges: result.dag.edges.filter(([a, b]) => kept.has(a) && kept.has(b)),
      },
      // First, so the problem list's cap never hides it.
      problems: [
        {
          message: `the DAG has more than ${limits.maxDagNodes.toLocaleString('en-US')} nodes; only the first ${limits.maxDagNodes.toLocaleString('en-US')} were read (daglens.limits.maxDagNodes)`,
        },
        ...result.problems,
      ],
    };
  }
  const { dag, problems } = validateDag(result.dag);
  const all = [...result.problems, ...problems];
  // A broken file can have a problem per line: the first ones say what is wrong, the count says how much.
  if (all.length > MAX_PROBLEMS)
    all.splice(MAX_PROBLEMS, all.length - MAX_PROBLEMS, {
      message: `at least ${(all.length - MAX_PROBLEMS).toLocaleString('en-US')} more problems like these, not listed`,
    });
  return { dag, problems: all, evidence: result.evidence };
}
