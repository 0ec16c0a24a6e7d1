import path from 'node:path';
import { DEFAULT_EXCLUDE } from '../../engine/config';
import { defaultIndexDir } from '../../engine/index/location';
import { serveMcp } from '../../mcp/serve';
import { intOption, workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';
import { LLM_OPTION_HELP, LLM_OPTIONS, llmSettingsFromFlags } from './llmOptions';

export const mcpCommand: Command = {
  name: 'mcp',
  summary:
    'serve the workspace to AI agents over the Model Context Protocol (stdio): map_plan, lineage, impact, search_code, explain_symbol, list_runs, map_run',
  usage: 'daglens mcp --workspace DIR [--index-dir DIR | --no-save] [--no-cache]',
  options: {
    workspace: { type: 'string', short: 'w' },
    'index-dir': { type: 'string' },
    'no-save': { type: 'boolean' },
    'no-cache': { type: 'boolean' },
    storage: { type: 'string' },
    'max-file-bytes': { type: 'string' },
    exclude: { type: 'string', multiple: true },
    verbose: { type: 'boolean', short: 'v' },
    ...LLM_OPTIONS,
  },
  optionHelp: [
    '-w, --workspace DIR       the workspace served (default: the current directory); no path outside it is read',
    '    --index-dir DIR       where the search index is kept (default: a per-workspace folder in ~/.cache/daglens)',
    '    --no-save             index in memory only (nothing read from or written to disk)',
    '    --no-cache            keep LLM replies and DAG mappings in memory only',
    "    --storage DIR         an editor's storage folder: index, LLM and DAG caches live there (as the language server's)",
    '    --max-file-bytes N    skip files larger than N bytes (default 1000000)',
    '    --exclude GLOB        also skip paths matching GLOB (repeatable)',
    ...LLM_OPTION_HELP,
    '-v, --verbose             log calls and timings to stderr (stdout carries only MCP messages)',
  ],
  async run(values) {
    const root = workspaceDir(values.workspace);
    const log = stderrLogger(!!values.verbose);
    const storage = typeof values.storage === 'string' ? path.resolve(values.storage) : undefined;
    const indexDir =
      typeof values['index-dir'] === 'string' ? path.resolve(values['index-dir']) : defaultIndexDir(root, storage);
    const extra = Array.isArray(values.exclude) ? (values.exclude as string[]) : [];
    const settings = {
      ...llmSettingsFromFlags(values),
      maxFileBytes: intOption(values['max-file-bytes'], 'max-file-bytes', 1_000_000),
      exclude: [...DEFAULT_EXCLUDE, ...extra],
    };
    const { closed } = await serveMcp({
      root,
      log,
      settings,
      storageDir: storage,
      indexDir: values['no-save'] ? undefined : indexDir,
      cacheDir: values['no-cache'] ? null : undefined,
    });
    await closed;
    // Index workers and timers must not keep a finished server alive.
    process.exit(0);
  },
};
