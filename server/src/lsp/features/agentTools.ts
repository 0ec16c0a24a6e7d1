/**
 * The agent tools over LSP: `daglens/tools/call` runs one (VS Code's language-model tools call it, see
 * client/src/agents.ts) and `daglens/tools/prepare` says what a call would do (VS Code's confirmation).
 * Thin: the input is checked against the tool's schema in protocol.ts and engine/agents answers, with the same
 * output and summary the MCP server and `daglens tool` give. One AgentTools per workspace folder, kept for the
 * session (it remembers the plans and runs it mapped).
 */
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Engine } from '../../engine/engine';
import { summarise } from '../../engine/agents/summaries';
import { AgentTools, ToolCancelled, ToolInputError } from '../../engine/agents/tools';
import { errorMessage } from '../../engine/log';
import { AGENT_TOOLS, AgentToolCallParamsSchema, agentToolCall, agentToolPrepare, type AgentToolCallParams } from '../../protocol';
import type { Feature } from '../context';

export const agentToolsFeature: Feature = {
  register(ctx) {
    const { connection, log } = ctx;
    const perEngine = new WeakMap<Engine, AgentTools>();
    const toolsFor = (uri?: string): AgentTools => {
      const s = ctx.session();
      const p = uri ? ctx.pathOf(uri) : undefined;
      let engine = p ? s.engineFor(p) : s.engines[0] ?? s.loose;
      if (engine === s.loose && s.engines.length) engine = s.engines[0];
      let t = perEngine.get(engine);
      if (!t) perEngine.set(engine, (t = new AgentTools(engine)));
      return t;
    };
    const params = (raw: unknown): AgentToolCallParams => {
      const r = AgentToolCallParamsSchema.safeParse(raw ?? {});
      if (!r.success) throw new ResponseError(ErrorCodes.InvalidParams, r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; '));
      return r.data;
    };

    connection.onRequest(agentToolCall, async (raw, token) => {
      const p = params(raw);
      const input = AGENT_TOOLS[p.tool].input.safeParse(p.input ?? {});
      if (!input.success) {
        throw new ResponseError(ErrorCodes.InvalidParams, `${p.tool}: ${input.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
      }
      // Lineage, plans and code are only whole once the first scan has ended.
      await ctx.session().scanned;
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        const out = await toolsFor(p.uri).call(p.tool, input.data as never, abort.signal);
        return { text: summarise(p.tool, out), structured: out };
      } catch (e) {
        if (e instanceof ToolCancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, e.message);
        if (e instanceof ToolInputError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
        log.error(`${p.tool} failed: ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}`);
        throw new ResponseError(ErrorCodes.InternalError, `${p.tool} failed: ${errorMessage(e)}`);
      } finally {
        sub.dispose();
      }
    });

    connection.onRequest(agentToolPrepare, (raw) => {
      const p = params(raw);
      const input = (p.input && typeof p.input === 'object' ? p.input : {}) as Record<string, unknown>;
      return toolsFor(p.uri).preview(p.tool, input);
    });
  },
};
