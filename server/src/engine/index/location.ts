/** Where a workspace's index lives when nobody says: a per-workspace folder in the user's cache, never the workspace. */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export function defaultIndexDir(root: string): string {
  const cache = process.env.XDG_CACHE_HOME || (process.platform === 'darwin'
    ? path.join(os.homedir(), 'Library', 'Caches')
    : process.platform === 'win32' ? (process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local')) : path.join(os.homedir(), '.cache'));
  const id = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 12);
  return path.join(cache, 'daglens', 'indexes', `${path.basename(root) || 'root'}-${id}`);
}
