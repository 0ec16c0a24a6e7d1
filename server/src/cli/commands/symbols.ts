import { DEFAULT_EXCLUDE, parseSettings } from '../../engine/config';
import { flattenSymbols } from '../../engine/symbols';
import { toLineRange } from '../../engine/types';
import { Workspace } from '../../engine/workspace/workspace';
import { intOption, workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';

export const symbolsCommand: Command = {
  name: 'symbols',
  summary: 'parse a workspace with tree-sitter and print its symbols',
  usage: 'daglens symbols --workspace DIR [--query TEXT] [--json] [--max-file-bytes N]',
  options: {
    workspace: { type: 'string', short: 'w' },
    query: { type: 'string', short: 'q' },
    json: { type: 'boolean' },
    'max-file-bytes': { type: 'string' },
    exclude: { type: 'string', multiple: true },
    verbose: { type: 'boolean', short: 'v' },
  },
  optionHelp: [
    '-w, --workspace DIR     the workspace folder (default: the current directory)',
    '-q, --query TEXT        only symbols whose name matches TEXT',
    '    --json              print JSON: { files: [{ file, language, symbols: [...] }], skipped }',
    '    --max-file-bytes N  skip files larger than N bytes (default 1000000)',
    '    --exclude GLOB      also skip paths matching GLOB (repeatable), e.g. --exclude "**/site-packages/**"',
    '-v, --verbose           log each skipped file to stderr',
  ],
  async run(values) {
    const root = workspaceDir(values.workspace);
    const extra = Array.isArray(values.exclude) ? values.exclude : [];
    const { settings } = parseSettings({
      maxFileBytes: intOption(values['max-file-bytes'], 'max-file-bytes', 1_000_000),
      exclude: [...DEFAULT_EXCLUDE, ...extra],
    });
    const ws = new Workspace(root, settings, stderrLogger(!!values.verbose));
    const found = await ws.scan();
    const query = typeof values.query === 'string' ? values.query : '';
    const files = ws
      .all()
      .map((f) => ({
        file: f.rel,
        language: f.lang,
        hasErrors: f.hasErrors,
        symbols: flattenSymbols(f.symbols)
          .filter(({ symbol }) => !query || symbol.name.toLowerCase().includes(query.toLowerCase()))
          .map(({ symbol, container }) => ({
            name: symbol.name,
            kind: symbol.kind,
            container: container.join('.'),
            ...toLineRange(symbol.span),
          })),
      }))
      .filter((f) => !query || f.symbols.length > 0);
    if (values.json) {
      process.stdout.write(JSON.stringify({ files, skipped: found.skipped }, null, 2) + '\n');
      return 0;
    }
    for (const f of files) {
      process.stdout.write(`${f.file}${f.hasErrors ? '  (syntax errors: partial)' : ''}\n`);
      for (const s of f.symbols) {
        const indent = '  '.repeat(s.container ? s.container.split('.').length + 1 : 1);
        process.stdout.write(`${indent}${s.kind.padEnd(9)} ${s.name}  ${s.startLine}-${s.endLine}\n`);
      }
    }
    const n = files.reduce((a, f) => a + f.symbols.length, 0);
    process.stdout.write(
      `\n${files.length} files, ${n} symbols${found.skipped.length ? `, ${found.skipped.length} skipped (--verbose lists them)` : ''}\n`,
    );
    return 0;
  },
};
