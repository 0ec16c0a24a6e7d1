/**
 * `daglens tool NAME [--ARG VALUE]… [--json]`: every MCP tool from the command line, with the MCP argument
 * names as flags (or the whole arguments object as --input JSON), validated by the same schema and answered by
 * the same implementation (engine/agents); --json prints exactly the MCP tool's structured output.
 */
import type { ZodTypeAny } from 'zod';
import { DEFAULT_EXCLUDE } from '../../engine/config';
import { Engine } from '../../engine/engine';
import { syncIndex } from '../../engine/index/indexer';
import { defaultIndexDir } from '../../engine/index/location';
import { summarise } from '../../engine/agents/summaries';
import { ToolCancelled, ToolInputError, AgentTools } from '../../engine/agents/tools';
import { AGENT_TOOL_NAMES, AGENT_TOOLS, type AgentToolName } from '../../protocol';
import { UserError, workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';
import { LLM_OPTION_HELP, LLM_OPTIONS, llmSettingsFromFlags } from './llmOptions';

type FieldKind = 'string' | 'number' | 'boolean' | 'strings';

/** The flag kind of a field of a tool's input schema (optional and described wrappers unwrapped). */
function kindOf(t: ZodTypeAny): { kind: FieldKind; description?: string; values?: readonly string[] } {
  let cur = t;
  const description = t.description;
  while (
    cur._def.typeName === 'ZodOptional' ||
    cur._def.typeName === 'ZodDefault' ||
    cur._def.typeName === 'ZodNullable'
  )
    cur = cur._def.innerType;
  switch (cur._def.typeName) {
    case 'ZodNumber':
      return { kind: 'number', description };
    case 'ZodBoolean':
      return { kind: 'boolean', description };
    case 'ZodArray':
      return { kind: 'strings', description };
    case 'ZodEnum':
      return { kind: 'string', description, values: cur._def.values as readonly string[] };
    default:
      return { kind: 'string', description };
  }
}

function fields(tool: AgentToolName): Array<[string, ReturnType<typeof kindOf>]> {
  return Object.entries(AGENT_TOOLS[tool].input.shape as Record<string, ZodTypeAny>).map(([k, v]) => [k, kindOf(v)]);
}

const COMMON_OPTIONS = {
  workspace: { type: 'string', short: 'w' },
  input: { type: 'string' },
  json: { type: 'boolean' },
  'index-dir': { type: 'string' },
  'no-save': { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  ...LLM_OPTIONS,
} as const;

function toolHelp(): string[] {
  const out = ["NAME and its arguments (the MCP tool's, as --flags; or all of them as --input JSON):"];
  for (const name of AGENT_TOOL_NAMES) {
    const args = fields(name).map(
      ([k, f]) =>
        `--${k} ${f.kind === 'number' ? 'N' : f.kind === 'strings' ? 'P…' : f.values ? f.values.join('|') : 'TEXT'}`,
    );
    out.push(`  ${name.padEnd(15)} ${args.join(' ')}`);
  }
  return out;
}

/** Every tool's argument flags (the union: main's parser knows them all; run() refuses another tool's). */
function allToolOptions(): Record<string, { type: 'string'; multiple?: boolean }> {
  const out: Record<string, { type: 'string'; multiple?: boolean }> = {};
  for (const name of AGENT_TOOL_NAMES)
    for (const [k, f] of fields(name)) out[k] = { type: 'string', ...(f.kind === 'strings' ? { multiple: true } : {}) };
  return out;
}

export const toolCommand: Command = {
  name: 'tool',
  summary:
    'run one of the MCP tools (map_plan, lineage, impact, search_code, explain_symbol, list_runs, map_run) and print its answer',
  usage: 'daglens tool NAME --workspace DIR [--ARG VALUE]… [--input JSON] [--json]',
  options: { ...COMMON_OPTIONS, ...allToolOptions() },
  optionHelp: [
    ...toolHelp(),
    '',
    '-w, --workspace DIR       the workspace (default: the current directory); paths are relative to it and stay inside it',
    '    --input JSON          the arguments object, as an MCP client sends it (flags override its fields)',
    "    --json                print the tool's structured output (what the MCP tool returns as structuredContent)",
    '    --index-dir DIR       search_code: where the index is kept (default: ~/.cache/daglens); --no-save: memory only',
    '    --no-cache            keep LLM replies and DAG mappings in memory only',
    ...LLM_OPTION_HELP,
    '-v, --verbose             log progress to stderr',
  ],
  async run(values, positionals) {
    const name = positionals[0];
    if (!name) throw new UserError(`tool needs a NAME: ${AGENT_TOOL_NAMES.join(', ')} (see 'daglens tool --help')`);
    if (!(AGENT_TOOL_NAMES as string[]).includes(name))
      throw new UserError(`unknown tool '${name}': one of ${AGENT_TOOL_NAMES.join(', ')}`);
    if (positionals.length > 1) throw new UserError(`tool takes one NAME and --flags, got also '${positionals[1]}'`);
    const tool = name as AgentToolName;
    const own = fields(tool);
    const ownNames = new Set(own.map(([k]) => k));
    for (const k of Object.keys(allToolOptions())) {
      if (values[k] !== undefined && !ownNames.has(k))
        throw new UserError(
          `--${k} is not an argument of ${tool} (it takes ${[...ownNames].map((x) => `--${x}`).join(', ')})`,
        );
    }
    let input: Record<string, unknown> = {};
    if (typeof values.input === 'string') {
      try {
        input = JSON.parse(values.input) as Record<string, unknown>;
      } catch (e) {
        throw new UserError(`--input is not JSON: ${(e as Error).message}`);
      }
      if (!input || typeof input !== 'object' || Array.isArray(input))
        throw new UserError('--input must be a JSON object');
    }
    for (const [k, f] of own) {
      const v = values[k];
      if (v === undefined) continue;
      if (f.kind === 'number') {
        const n = Number(v);
        if (typeof v !== 'string' || !v.trim() || !Number.isFinite(n))
          throw new UserError(`--${k} must be a number, got '${String(v)}'`);
        input[k] = n;
      } else input[k] = v;
    }
    const parsed = AGENT_TOOLS[tool].input.safeParse(input);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new UserError(`${tool}: ${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`);
    }

    const root = workspaceDir(values.workspace);
    const log = stderrLogger(!!values.verbose);
    const engine = new Engine({
      root,
      log,
      llmEnv: process.env,
      settings: { ...llmSettingsFromFlags(values), exclude: DEFAULT_EXCLUDE },
      ...(values['no-cache'] ? { llmCacheDir: null, dagCacheDir: null } : {}),
    });
    // Only search_code reads the index: for the other tools it stays parked instead of indexing every file.
    const indexDir = values['no-save']
      ? undefined
      : typeof values['index-dir'] === 'string'
        ? values['index-dir']
        : defaultIndexDir(root);
    const indexed =
      tool === 'search_code'
        ? syncIndex(engine.index, engine.settings, log, { indexDir })
        : (engine.index.beginBulk(), Promise.resolve());
    await engine.workspace.scan();
    await indexed;
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    try {
      const out = await new AgentTools(engine).call(tool, parsed.data as never, abort.signal);
      process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : `${summarise(tool, out)}\n`);
      return 0;
    } catch (e) {
      if (e instanceof ToolCancelled) {
        process.stderr.write(`daglens: ${e.message}\n`);
        return 130;
      }
      if (e instanceof ToolInputError) throw new UserError(e.message);
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
