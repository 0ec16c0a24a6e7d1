/** Which lines of a chunk contain a query term (shown to people as "matched lines"). */
import { forEachToken } from './tokens';

const MAX_LINES = 50;

export function matchedLines(text: string, firstLine: number, terms: Set<string>): number[] {
  if (terms.size === 0) return [];
  const out: number[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length && out.length < MAX_LINES; i++) {
    let hit = false;
    forEachToken(lines[i], (t) => {
      if (!hit && terms.has(t)) hit = true;
    });
    if (hit) out.push(firstLine + i);
  }
  return out;
}
