/**
 * The MCP adapter: DagLens's agent tools (engine/agents) and two resources, served with the official MCP
 * TypeScript SDK. Thin like the LSP and CLI adapters: the SDK validates each call's arguments against the tool's
 * zod input schema from protocol/contracts (a bad argument is an `isError` result naming it; the server stays up),
 * the engine answers, and the answer goes back as structured content (checked against the output schema) plus
 * a short text summary. Cancellation (`notifications/cancelled`) reaches the engine as an AbortSignal.
 * Read-only: no tool changes a file.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { lineageJson } from '../engine/lineage/report';
import { summarise } from '../engine/agents/summaries';
import { ToolCancelled, ToolInputError, type AgentTools } from '../engine/agents/tools';
import { errorMessage, type Logger } from '../engine/log';
import { AGENT_TOOL_NAMES, AGENT_TOOLS, type AgentToolName } from '../protocol';

export const LINEAGE_RESOURCE = 'daglens://lineage';
export const LAST_DAG_RESOURCE = 'daglens://dag/last';

export interface McpServerOptions {
  tools: AgentTools;
  /** Settles when the workspace is scanned and indexed; calls wait for it. */
  ready: Promise<void>;
  /** Runs before each call (brings the workspace in line with the disk). */
  beforeCall?: () => Promise<void>;
  log: Logger;
  version: string;
}

const INSTRUCTIONS = [
  'DagLens knows which code made each node of a Spark plan, dbt or Airflow DAG, what every table and column feeds',
  'downstream, and where a Spark run spent its time in the code. Paths are relative to the workspace; lines are 1-based.',
  'Use map_plan for a plan or DAG, lineage / impact for a table, column, dbt model or file, search_code to find code,',
  'explain_symbol for what a line belongs to, list_runs and map_run for Spark event logs. Long answers are paged:',
  'pass page.nextOffset as offset to continue.',
].join(' ');

export function createMcpServer(opts: McpServerOptions): McpServer {
  const server = new McpServer(
    { name: 'daglens', version: opts.version },
    { instructions: INSTRUCTIONS, capabilities: { logging: {} } },
  );
  const { tools, log } = opts;

  const run = async (name: AgentToolName, args: unknown, signal: AbortSignal) => {
    await opts.ready;
    await opts.beforeCall?.();
    const started = performance.now();
    try {
      const out = await tools.call(name, args as never, signal);
      log.info(`${name}: ${Math.round(performance.now() - started)} ms`);
      return {
        content: [{ type: 'text' as const, text: summarise(name, out) }],
        structuredContent: out as unknown as Record<string, unknown>,
      };
    } catch (e) {
      if (e instanceof ToolCancelled) {
        log.info(`${name}: cancelled after ${Math.round(performance.now() - started)} ms`);
        throw e;
      }
      // The agent's mistake (bad path, unknown table): its words, as a tool error it can act on.
      if (e instanceof ToolInputError) throw e;
      log.error(`${name} failed: ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}`);
      throw new Error(`${name} failed: ${errorMessage(e)}`);
    }
  };

  for (const name of AGENT_TOOL_NAMES) {
    const t = AGENT_TOOLS[name];
    server.registerTool(
      name,
      {
        title: t.title,
        description: t.description,
        inputSchema: t.input,
        outputSchema: t.output,
        annotations: {
          title: t.title,
          readOnlyHint: true,
          destructiveHint: false,
          idempotentHint: true,
          openWorldHint: false,
        },
      },
      (args: unknown, extra: { signal: AbortSignal }) => run(name, args, extra.signal),
    );
  }

  server.registerResource(
    'lineage',
    LINEAGE_RESOURCE,
    {
      title: 'Lineage graph',
      description:
        'Every table, file and dbt node of the workspace (assets), the code that reads and writes them (processes, file:lines), and column lineage.',
      mimeType: 'application/json',
    },
    async (uri) => {
      await opts.ready;
      await opts.beforeCall?.();
      return {
        contents: [
          { uri: uri.href, mimeType: 'application/json', text: JSON.stringify(lineageJson(tools.engine.lineage)) },
        ],
      };
    },
  );

  server.registerResource(
    'last-dag',
    LAST_DAG_RESOURCE,
    {
      title: 'Last mapped DAG',
      description:
        'The plan or DAG map_plan mapped last in this session, whole: its nodes, edges and where each node maps in the code.',
      mimeType: 'application/json',
    },
    async (uri) => {
      await opts.ready;
      const last = tools.lastDag;
      const body = last
        ? { plan: last.plan, ...last.result }
        : { plan: null, message: 'no plan mapped yet in this session: call map_plan first' };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }] };
    },
  );

  return server;
}
