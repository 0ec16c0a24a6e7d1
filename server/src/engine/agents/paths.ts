/**
 * Paths agents give and get: relative to the workspace, and never outside it. A path is resolved against the
 * workspace root, then through symlinks (a link inside the workspace that points out is outside); anything
 * that lands outside is refused with a message that says so, before any file is opened.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';

/** A mistake in a tool's arguments (bad path, unknown name): reported to the agent as is. */
export class ToolInputError extends Error {}

function inside(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The real path of `p`, or of its deepest existing ancestor joined with the rest (for paths that do not exist yet). */
function realish(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return path.join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return p;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** Resolves a workspace-relative (or absolute, inside the workspace) path; throws ToolInputError when it leaves the workspace. */
export function workspacePath(root: string, p: string, what = 'path'): string {
  if (!p.trim()) throw new ToolInputError(`${what} is empty`);
  if (p.includes('\0')) throw new ToolInputError(`${what} holds a NUL character`);
  const abs = path.resolve(root, p);
  const realRoot = realish(root);
  if (!inside(root, abs) || !inside(realRoot, realish(abs))) {
    throw new ToolInputError(
      `${what} '${p}' is outside the workspace: only files inside ${path.basename(root) || root} can be read`,
    );
  }
  return abs;
}

/** Workspace-relative, with forward slashes. */
export function relativePath(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/') || '.';
}

/** Rewrites absolute paths inside the workspace (at the start of a string or after a space/quote) as relative ones; paths outside are kept. */
export function relativise(root: string, text: string): string {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return text.split(prefix).join('');
}
