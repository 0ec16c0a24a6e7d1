/**
 * Which files are DAGs DagLens can map (Spark plan text or JSON, dbt manifest.json, JSON DAGs, Airflow DAG
 * files): the one rule behind Map DAG to Code… and Show DAG Graph. No VS Code import, so it is unit-tested.
 */

/** Extensions the file picker offers (plan text is also `.txt`; an Airflow DAG is Python). */
export const DAG_FILE_EXTENSIONS = ['sparkplan', 'txt', 'plan', 'explain', 'json', 'py'];

/** An Airflow DAG file: Python that imports Airflow and declares a DAG (`DAG(…)`, `with DAG`, `@dag`). */
export function isAirflowDagText(text: string): boolean {
  return /\b(from|import)\s+airflow\b/.test(text) && /(\bDAG\s*\(|^\s*@dag\b)/m.test(text);
}

/** What the rules read of an open document (a vscode.TextDocument has it). */
export interface DocumentLike {
  languageId: string;
  fileName: string;
  getText(): string;
}

/** Plan text as Spark prints it (the server's test). */
const PLAN_START = /^\s*== (Physical Plan|Parsed Logical Plan|Analyzed Logical Plan|Optimized Logical Plan) ==/m;

/** A Spark plan: a `.sparkplan` document, or plain text or a log that starts like one. */
export function isPlanDocument(doc: DocumentLike): boolean {
  if (doc.languageId === 'sparkplan' || /\.sparkplan$/i.test(doc.fileName)) return true;
  return ['plaintext', 'log'].includes(doc.languageId) && PLAN_START.test(doc.getText().slice(0, 20_000));
}

/** An open document worth mapping as it is (the server says why, if it is no DAG after all). */
export function isDagCandidate(doc: DocumentLike): boolean {
  if (isPlanDocument(doc) || /\.(json|txt|plan|explain)$/i.test(doc.fileName)) return true;
  return doc.languageId === 'python' && isAirflowDagText(doc.getText());
}
