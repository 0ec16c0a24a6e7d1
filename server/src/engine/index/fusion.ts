/** Reciprocal-rank fusion: rank-based, so BM25 scores and cosine similarities need no common scale. */

/** The usual constant: damps the head of each list so one ranker cannot dominate. */
export const RRF_K = 60;

export interface Fused {
  id: number;
  score: number;
  /** Which input lists (by index) contained the id. */
  from: number[];
}

/** `weights[i]` scales list i's contribution (default 1): a weaker ranker gets a smaller say. */
export function reciprocalRankFusion(lists: number[][], weights: number[] = [], k = RRF_K): Fused[] {
  const byId = new Map<number, Fused>();
  lists.forEach((list, li) => {
    const w = weights[li] ?? 1;
    list.forEach((id, rank) => {
      let f = byId.get(id);
      if (!f) byId.set(id, (f = { id, score: 0, from: [] }));
      f.score += w / (k + rank + 1);
      f.from.push(li);
    });
  });
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id - b.id);
}
