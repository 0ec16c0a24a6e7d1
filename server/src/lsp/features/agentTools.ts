/**
 * The agent tools over LSP: `daglens/tools/call` runs one (VS Code's language-model tools call it, see
 * client/src/agents.ts) and `daglens/tools/prepare` says what a call would do (VS Code's confirmation).
 * Thin: the input is checked against the tool's schema in protocol/contracts and engine/agents answers, with the same
 * output and summary the MCP server and `daglens tool` give. One AgentTools per workspace folder, kept for the
 * session (it remembers the plans and runs it mapped).
 */
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Engine } from '../../engine/engine';
import { summarise } from '../../engine/agents/summaries';
import { AgentTools, ToolInputError } from '../../engine/agents/tools';
import { errorMessage } from '../../engine/log';
import { AGENT_TOOLS, AgentToolCallParamsSchema, agentToolCall, agentToolPrepare } from '../../protocol';
import type { Feature } from '../context';
import { engineFor, invalidParams, validated, withCancellation } from '../handlers';

export const agentToolsFeature: Feature = {
  register(ctx) {
    const { connection, log } = ctx;
    const perEngine = new WeakMap<Engine, AgentTools>();
    const toolsFor = (uri?: string): AgentTools => {
      const { engine } = engineFor(ctx, uri, 'firstFolder');
      let t = perEngine.get(engine);
      if (!t) perEngine.set(engine, (t = new AgentTools(engine)));
      return t;
    };

    connection.onRequest(
      agentToolCall,
      validated(agentToolCall, AgentToolCallParamsSchema, async (p, token) => {
        const input = AGENT_TOOLS[p.tool].input.safeParse(p.input ?? {});
        // The tool's own fields are named as the tool's schema names them (`lineage: name: Required`).
        if (!input.success) throw invalidParams(p.tool, input.error, (path) => path.join('.') || 'input');
        // Lineage, plans and code are only whole once the first scan has ended.
        await ctx.session().scanned;
        try {
          const tools = toolsFor(p.uri);
          const out = await withCancellation([token], (signal) => tools.call(p.tool, input.data as never, signal));
          return { text: summarise(p.tool, out), structured: out };
        } catch (e) {
          if (e instanceof ResponseError) throw e;
          if (e instanceof ToolInputError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
          log.error(`${p.tool} failed: ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}`);
          throw new ResponseError(ErrorCodes.InternalError, `${p.tool} failed: ${errorMessage(e)}`);
        }
      }),
    );

    connection.onRequest(
      agentToolPrepare,
      validated(agentToolPrepare, AgentToolCallParamsSchema, (p) => {
        const input = (p.input && typeof p.input === 'object' ? p.input : {}) as Record<string, unknown>;
        return toolsFor(p.uri).preview(p.tool, input);
      }),
    );
  },
};
