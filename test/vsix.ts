/** The packaged extension: where it is, and packaging it when it is missing. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './helpers';

export const VSIX = path.join(REPO, 'daglens.vsix');

/** Returns the .vsix path, running `npm run package` first if there is none. */
export function ensureVsix(): string {
  if (existsSync(VSIX)) return VSIX;
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(VSIX))
    throw new Error(`npm run package failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return VSIX;
}

/** Unpacks a .vsix (a zip) into a fresh temp folder outside the repo; returns that folder. */
export function unpackVsix(vsix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daglens-vsix-'));
  const r = spawnSync('unzip', ['-q', vsix, '-d', dir], { encoding: 'utf8' });
  if (r.error) throw new Error(`unzip is needed to unpack the .vsix (apt-get install -y unzip): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`unzip ${vsix} failed: ${r.stderr}`);
  return dir;
}

/** Every file path in a .vsix, as stored (e.g. `extension/dist/server.js`). */
export function listVsix(vsix: string): string[] {
  const r = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unzip -Z1 ${vsix} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout.split('\n').filter((l) => l && !l.endsWith('/'));
}
