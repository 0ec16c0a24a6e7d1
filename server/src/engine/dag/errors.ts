/** A DAG input that yields nothing to map: one clear sentence (what, where, what to do), for the CLI and the editor alike. */
import type { DagProblem } from './model';

/** The one error an adapter shows when a DAG file yields no node: `no DAG nodes in q.json: line 3: … (+2 more problems)`. */
export function noNodesMessage(name: string, problems: DagProblem[]): string {
  return `no DAG nodes in ${name}: ${summariseProblems(problems)}`;
}

/** The first problem with its place, and how many more there are: a user reads one line, not twenty. */
export function summariseProblems(problems: DagProblem[]): string {
  if (!problems.length) return 'nothing in it reads as a DAG node';
  const p = problems[0];
  const at = p.line ? `line ${p.line}: ` : p.field && !p.message.includes(p.field) ? `${p.field}: ` : '';
  const more = problems.length > 1 ? ` (+${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return `${at}${p.message}${more}`;
}
