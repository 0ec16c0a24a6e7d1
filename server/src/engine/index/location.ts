/** Where a workspace's index lives when nobody says: a per-workspace folder in the user's cache, never the workspace. */
import { workspaceCacheDir } from '../storage';

export function defaultIndexDir(root: string, storageDir?: string): string {
  return workspaceCacheDir(root, 'indexes', storageDir);
}
