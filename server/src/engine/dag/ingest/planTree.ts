/**
 * Reads the indented operator trees Spark prints (`treeString`): each level is three characters,
 * `+- ` / `:- ` before a node, `:  ` / `   ` (or `|  ` in some engines) for the ancestors' columns.
 * A node's parent is the closest earlier node printed further left, which also places the inner
 * children Spark prints for expressions (scalar subqueries) under the operator that uses them.
 */

export interface TreeLine {
  /** 0-based index of the line in the file. */
  index: number;
  /** Column where the operator text starts (after the tree prefix). */
  column: number;
  /** The operator text, codegen marker included. */
  text: string;
}

/** The column where an operator starts if `line` is a well-formed tree line, else -1. */
export function treeColumn(line: string): number {
  let i = 0;
  while (i < line.length) {
    const rest = line.slice(i, i + 3);
    if (rest === '   ' || rest === ':  ' || rest === '|  ' || rest === '+- ' || rest === ':- ' || rest === '|- ') {
      i += 3;
      continue;
    }
    break;
  }
  if (i >= line.length) return -1;
  // Spark 2's codegen stage prefixes can leave a single stray space before the operator.
  const ch = line[i];
  if (ch === ' ' || ch === ':' || ch === '+' || ch === '|') return -1;
  return i;
}

export interface TreeNode extends TreeLine {
  parent: number | null; // index into the returned array
}

/**
 * Reads tree lines from `start` until the tree ends: a blank line, a line that is not a tree line,
 * or a second root at column 0. Returns the nodes and the index of the first line after the tree.
 */
export function readTree(lines: string[], start: number): { nodes: TreeNode[]; end: number } {
  const nodes: TreeNode[] = [];
  const stack: number[] = [];
  let i = start;
  for (; i < lines.length; i++) {
    const raw = lines[i].replace(/\s+$/, '');
    if (!raw.trim()) break;
    if (/^== .* ==$/.test(raw.trim()) && raw.trim() === raw) break; // next section header
    const column = treeColumn(raw);
    if (column < 0) break;
    if (column === 0 && nodes.length > 0) break; // a second root: the tree is over (log lines, "Time taken")
    while (stack.length && nodes[stack[stack.length - 1]].column >= column) stack.pop();
    const parent = stack.length ? stack[stack.length - 1] : null;
    if (parent === null && nodes.length > 0) break;
    nodes.push({ index: i, column, text: raw.slice(column), parent });
    stack.push(nodes.length - 1);
  }
  return { nodes, end: i };
}
