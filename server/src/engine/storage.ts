/**
 * Where a workspace's derived data (index, LLM cache and ledger, DAG mapping results) lives when nobody
 * says: a per-workspace folder in the user's cache — or in the editor's storage folder when it gives one —
 * never inside the workspace itself.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export type CacheKind = 'indexes' | 'llm' | 'dag';

export function userCacheDir(): string {
  if (process.env.XDG_CACHE_HOME) return process.env.XDG_CACHE_HOME;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches');
  if (process.platform === 'win32') return process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local');
  return path.join(os.homedir(), '.cache');
}

/** A stable folder name for a workspace root: its name plus a hash of its absolute path. */
export function workspaceKey(root: string): string {
  const id = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 12);
  return `${path.basename(root) || 'root'}-${id}`;
}

export function workspaceCacheDir(root: string, kind: CacheKind, storageDir?: string): string {
  return storageDir
    ? path.join(storageDir, kind, workspaceKey(root))
    : path.join(userCacheDir(), 'daglens', kind, workspaceKey(root));
}
