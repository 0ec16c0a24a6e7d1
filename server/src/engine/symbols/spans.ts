import type Parser from 'tree-sitter';
import type { Span } from '../types';

export function spanOf(node: Parser.SyntaxNode): Span {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
    startOffset: node.startIndex,
    endOffset: node.endIndex,
  };
}

/** The smallest span covering both. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.startOffset <= b.startOffset ? a : b;
  const last = a.endOffset >= b.endOffset ? a : b;
  return { start: first.start, end: last.end, startOffset: first.startOffset, endOffset: last.endOffset };
}
