import type { Span } from '../types';

/** Line starts of a text, for offset ↔ line lookups (UTF-16 offsets, `\n`, `\r\n` or `\r` line ends). */
export class LineTable {
  private readonly starts: number[];

  constructor(private readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
    }
    this.starts = starts;
  }

  get count(): number {
    return this.starts.length;
  }

  start(line: number): number {
    return this.starts[line];
  }

  /** Offset just past the last character of the line, its line break excluded. */
  end(line: number): number {
    let e = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    if (e > this.starts[line] && this.text.charCodeAt(e - 1) === 10) e--;
    if (e > this.starts[line] && this.text.charCodeAt(e - 1) === 13) e--;
    return e;
  }

  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** 0-based line and UTF-16 character of an offset. */
  position(offset: number): { line: number; character: number } {
    const line = this.lineOf(offset);
    return { line, character: offset - this.starts[line] };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end), startOffset: start, endOffset: end };
  }

  /** The offset of a 0-based position (the line clamped to the text). */
  offset(line: number, character: number): number {
    const l = Math.max(0, Math.min(line, this.starts.length - 1));
    return this.starts[l] + character;
  }

  isBlank(line: number): boolean {
    for (let i = this.starts[line], e = this.end(line); i < e; i++) {
      const c = this.text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 12 && c !== 11) return false;
    }
    return true;
  }
}
