/**
 * DAG ingestion: recognises the format of a DAG file (Spark plan text or JSON, dbt manifest, generic
 * JSON DAG) and reads it into the normalised model. Never throws on user data: problems are returned
 * with the line or field they concern, and whatever could be read is kept.
 */
import { validateDag, emptyEvidence, type IngestResult } from '../model';
import { parseJsonDag } from './jsonDag';
import { parseSparkExplain } from './sparkExplain';

export function ingestDag(text: string, fileName = ''): IngestResult {
  let result: IngestResult;
  const trimmed = text.trimStart();
  try {
    if (trimmed.startsWith('{') || trimmed.startsWith('[') || /\.json$/i.test(fileName)) result = parseJsonDag(text);
    else result = parseSparkExplain(text);
  } catch (e) {
    // A parser bug must not lose the user's request: report it as a problem of this input.
    return { dag: { kind: 'generic', nodes: [], edges: [] }, problems: [{ message: `could not read the DAG: ${e instanceof Error ? e.message : String(e)}` }], evidence: emptyEvidence() };
  }
  const { dag, problems } = validateDag(result.dag);
  return { dag, problems: [...result.problems, ...problems], evidence: result.evidence };
}
