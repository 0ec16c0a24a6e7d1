/** Offsets → 0-based line/character spans for one text (binary search over line starts). */
import type { Span } from '../types';

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): { line: number; character: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end), startOffset: start, endOffset: end };
  }

  /** The offset of a 0-based position (clamped to the text). */
  offset(line: number, character: number): number {
    const l = Math.max(0, Math.min(line, this.starts.length - 1));
    return this.starts[l] + character;
  }
}
