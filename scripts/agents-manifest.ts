// Writes `contributes.languageModelTools` of package.json from the agent tools' schemas (server/src/mcp/manifest.ts).
//   npm run agents:manifest            rewrite it
//   npm run agents:manifest -- --check exit 1 when package.json is out of date
// package.json is re-serialised as it is kept: 2-space indents, non-ASCII as \u escapes.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { languageModelTools } from '../server/src/mcp/manifest';

const file = path.resolve(__dirname, '..', 'package.json');
const text = readFileSync(file, 'utf8');
const pkg = JSON.parse(text) as { contributes: Record<string, unknown> };
pkg.contributes.languageModelTools = languageModelTools();
// Plain characters, as npm writes package.json: the two must agree or every `npm install` makes this stale.
const out = `${JSON.stringify(pkg, null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (out !== text) {
    console.error('package.json: languageModelTools is out of date (npm run agents:manifest)');
    process.exit(1);
  }
  console.log('package.json: languageModelTools up to date');
} else if (out !== text) {
  writeFileSync(file, out);
  console.log(
    `package.json: ${pkg.contributes.languageModelTools && (pkg.contributes.languageModelTools as unknown[]).length} language-model tools written`,
  );
}
