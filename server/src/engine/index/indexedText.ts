import type { Chunk } from './types';

/** What BM25 and the embedder see for a chunk: its path, its qualified name, then its text. */
export function indexedText(c: Chunk): string {
  const qualified = [...c.container, c.name].join('.');
  return `${c.file}\n${qualified}\n${c.text}`;
}
