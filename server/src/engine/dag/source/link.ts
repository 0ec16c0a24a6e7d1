/**
 * Links source units across files: a call in one file of a helper another file defines (`load(spark, "orders")`
 * with `def load(spark, name): return spark.table(name)` in jobs/io.py) reads the table its literal names.
 * Units are immutable (their derived data is cached by identity), so a linked unit is a new object.
 */
import type { SourceUnit } from './anchors';
import { tableFromArg } from './pythonAnchors';

/** `jobs.io` / `Tables` → a unit whose path ends in that module (`src/jobs/io.py`, `src/Tables.scala`). */
function moduleMatches(file: string, module: string): boolean {
  const path = file.replace(/\.[^./]+$/, '').split('/');
  const parts = module.split('.');
  if (path[path.length - 1] !== parts[parts.length - 1]) return false;
  // Its package too, where both name one (the workspace may start inside the package root, or above it).
  return parts.length < 2 || path.length < 2 || path[path.length - 2] === parts[parts.length - 2];
}

export function linkUnits(units: SourceUnit[]): SourceUnit[] {
  const definers = units.filter((u) => u.links && Object.keys(u.links.readers).length);
  if (!definers.length) return units;
  return units.map((u) => {
    const calls = u.links?.calls ?? [];
    const reads: Array<{ name: string; line: number; block: number }> = [];
    for (const c of calls) {
      const def = definers.find(
        (d) => d !== u && d.links!.readers[c.fn] !== undefined && moduleMatches(d.file, c.module),
      );
      const arg = def ? c.args[def.links!.readers[c.fn]] : undefined;
      const name = arg !== undefined ? tableFromArg(arg) : undefined;
      if (name) reads.push({ name, line: c.line, block: c.block });
    }
    if (!reads.length) return u;
    const blocks = u.blocks.map((b) => ({ ...b, tables: [...b.tables] }));
    const bag = new Map(u.bag);
    const anchors = [...u.anchors];
    for (const r of reads) {
      anchors.push({
        kind: 'table',
        block: r.block,
        name: r.name,
        words: [{ t: r.name, line: r.line }],
        literals: [],
        startLine: r.line,
        endLine: r.line,
      });
      blocks[r.block]?.tables.push(r.name);
      bag.set(r.name, (bag.get(r.name) ?? 0) + 1);
    }
    return { ...u, anchors, blocks, bag };
  });
}
