/**
 * The editor e2e workspace, assembled at test time from ../shared/corpora as test/fixtures/editor/SOURCE.json
 * lists it: the corpora are read in place, never copied into the repository.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, requireCorpora } from './helpers';

export function assembleEditorWorkspace(): string {
  const corpora = requireCorpora();
  const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'editor', 'SOURCE.json'), 'utf8')) as {
    files: Record<string, { from: string }>;
  };
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'daglens-editor-ws-')), 'editor');
  for (const [dest, { from }] of Object.entries(manifest.files)) {
    mkdirSync(path.dirname(path.join(dir, dest)), { recursive: true });
    copyFileSync(path.join(corpora, from), path.join(dir, dest));
  }
  return dir;
}
