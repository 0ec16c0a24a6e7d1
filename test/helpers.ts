/** Shared test helpers: paths to the repo, the shared corpora and fixtures. */
import path from 'node:path';
import { existsSync } from 'node:fs';

export const REPO = path.resolve(__dirname, '..');
export const SHARED = path.resolve(REPO, '..', 'shared');
export const CORPORA = path.join(SHARED, 'corpora');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');

export function requireCorpora(): string {
  if (!existsSync(CORPORA))
    throw new Error(`the shared corpora are missing: expected ${CORPORA} (../shared beside the repo)`);
  return CORPORA;
}
