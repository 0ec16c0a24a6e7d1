/**
 * DagLens's version, as package.json says. Bundles get it at build time (esbuild.mjs defines
 * `__DAGLENS_VERSION__`), so no copy of the number lives in code; sources run directly (tests, scripts through
 * tsx) read package.json beside the sources instead.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

declare const __DAGLENS_VERSION__: string | undefined;

function fromPackageJson(): string {
  try {
    const file = path.resolve(__dirname, '..', '..', '..', 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const DAGLENS_VERSION: string =
  typeof __DAGLENS_VERSION__ === 'string' ? __DAGLENS_VERSION__ : fromPackageJson();
