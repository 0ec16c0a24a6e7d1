/**
 * Code-aware tokens, shared by BM25 and the built-in embedder: identifiers are kept whole and also split
 * into their snake_case / camelCase / digit parts, so `getUserId`, `get_user_id` and "user id" meet.
 */

/** Identifiers and numbers; anything else (operators, punctuation, whitespace) separates tokens. */
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g;
/** Parts of an identifier: `HTTPServerError2` → HTTP, Server, Error, 2. */
const PART = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

/** Longest identifier we index: longer runs are data (base64, hashes), not names. */
const MAX_WORD = 64;

/** Lower-cases and strips a plural `s`, so "orders" finds `order`. Kept tiny on purpose: code is not prose. */
export function normalise(word: string): string {
  const w = word.toLowerCase();
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is'))
    return w.slice(0, -1);
  return w;
}

/** Calls `emit` for every token of `text`: each identifier whole, then its parts when it has several. */
export function forEachToken(text: string, emit: (token: string) => void): void {
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m; m = WORD.exec(text)) {
    const word = m[0];
    if (word.length > MAX_WORD) continue;
    const whole = normalise(word.replace(/^[_$]+|[_$]+$/g, ''));
    if (whole.length < 2 && !/^[0-9]$/.test(whole)) continue;
    emit(whole);
    if (!/[_$]|[a-z][A-Z]|[A-Z]{2}[a-z]|[A-Za-z][0-9]/.test(word)) continue;
    PART.lastIndex = 0;
    let parts = 0;
    const found: string[] = [];
    for (let p = PART.exec(word); p; p = PART.exec(word)) {
      found.push(p[0]);
      parts++;
    }
    if (parts < 2) continue;
    for (const part of found) {
      const t = normalise(part);
      if (t.length >= 2 && t !== whole) emit(t);
    }
  }
}

export function tokenize(text: string): string[] {
  const out: string[] = [];
  forEachToken(text, (t) => out.push(t));
  return out;
}

/** Term frequencies of a text. */
export function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  forEachToken(text, (t) => counts.set(t, (counts.get(t) ?? 0) + 1));
  return counts;
}
