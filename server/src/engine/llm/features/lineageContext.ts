/**
 * Lineage context for a question: what the code in the user's file (or selection) reads and writes, and
 * who reads what it writes — a few lines that let the model answer "what breaks if…" questions.
 */
import { toLineRange, type Span } from '../../types';

/** What we need of `engine.lineage` (structural, so tests and other engines can supply it). */
export interface LineageLike {
  processesIn(file: string): ProcessLike[];
  readersOf(nameOrId: string): ProcessLike[];
}
interface ProcessLike {
  file: string;
  symbol: string;
  span: Span;
  reads: Array<{ asset: { id: string; name: string } }>;
  writes: Array<{ asset: { id: string; name: string } }>;
}

/** Selection lines are 1-based inclusive. At most `max` processes, so the context stays small. */
export type LineageContext = (file: string, selection?: { startLine: number; endLine: number }) => string | undefined;

export function lineageContext(lineage: LineageLike, relOf: (abs: string) => string, max = 8): LineageContext {
  return (file, selection) => {
    let procs = lineage.processesIn(file);
    if (selection) {
      procs = procs.filter(
        (p) => p.span.start.line + 1 <= selection.endLine && selection.startLine <= p.span.end.line + 1,
      );
    }
    if (procs.length === 0) return undefined;
    const names = (refs: Array<{ asset: { name: string } }>) =>
      [...new Set(refs.map((r) => r.asset.name))].join(', ') || '—';
    const lines = procs.slice(0, max).map((p) => {
      const readers = [
        ...new Set(p.writes.flatMap((w) => lineage.readersOf(w.asset.id)).map((r) => `${r.symbol} (${relOf(r.file)})`)),
      ];
      const { startLine, endLine } = toLineRange(p.span);
      return (
        `- ${p.symbol} (${relOf(p.file)}:${startLine}-${endLine}) reads ${names(p.reads)}; writes ${names(p.writes)}` +
        (readers.length
          ? `; its output is read by ${readers.slice(0, 6).join(', ')}${readers.length > 6 ? ', …' : ''}`
          : '')
      );
    });
    return `Lineage of ${file}${procs.length > max ? ` (first ${max} of ${procs.length})` : ''}:\n${lines.join('\n')}`;
  };
}
