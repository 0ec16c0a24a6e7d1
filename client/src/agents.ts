/**
 * DagLens for agents inside VS Code. Language-model tools (VS Code ≥ 1.95): the agent tools (map_plan, lineage,
 * impact, search_code, explain_symbol, list_runs, map_run) contributed in package.json (`languageModelTools`,
 * named `daglens_<tool>`) and registered with `vscode.lm.registerTool`, so Copilot agent mode (or any extension,
 * through `vscode.lm.invokeTool`) can call them; each call is a `daglens/tools/call` to the language server,
 * which answers with the same output as the MCP server. A call that would send code to a model asks first
 * (`daglens/tools/prepare` → confirmation). In an untrusted workspace the tools still read the code, but nothing
 * goes to a model. Where VS Code has the MCP server definition API (≥ 1.101) and the workspace is trusted, the
 * MCP server itself is offered in the editor's MCP server list too.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { AGENT_TOOL_NAMES, agentToolCall, agentToolPrepare, lmToolName, type AgentToolName } from '@daglens/protocol';
import type { LanguageClient } from 'vscode-languageclient/node';
import { config } from './config';
import type { Ctx } from './ctx';
import { mcpLaunch } from './mcpDefinition';
import { SERVER_NOT_READY } from './serverCommand';

// The parts of the language-model tool and MCP APIs used here, typed locally: engines.vscode stays ^1.91 and
// each part is used only where the running VS Code has it.
interface ToolInvocationOptions {
  input: unknown;
}
interface LmToolsApi {
  registerTool?: (
    name: string,
    tool: {
      invoke(options: ToolInvocationOptions, token: vscode.CancellationToken): Promise<unknown>;
      prepareInvocation?(options: ToolInvocationOptions, token: vscode.CancellationToken): Promise<unknown>;
    },
  ) => vscode.Disposable;
  registerMcpServerDefinitionProvider?: (
    id: string,
    provider: {
      onDidChangeMcpServerDefinitions?: vscode.Event<void>;
      provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[];
    },
  ) => vscode.Disposable;
}
interface LmClasses {
  LanguageModelToolResult?: new (parts: unknown[]) => unknown;
  LanguageModelTextPart?: new (value: string) => unknown;
  McpStdioServerDefinition?: new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string>,
    version?: string,
  ) => unknown;
}

export const MCP_PROVIDER_ID = 'daglens.mcpServers';

/** The running client, waiting a while for a (re)start. */
async function runningClient(ctx: Ctx, token: vscode.CancellationToken): Promise<LanguageClient> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = ctx.readyClient;
    if (client) return client;
    if (token.isCancellationRequested) throw new vscode.CancellationError();
    if (Date.now() > deadline) throw new Error(SERVER_NOT_READY);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The folder the call is about: the active editor's, else the first. */
function folderUri(): string | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  const f = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  return f?.uri.toString();
}

function registerTools(ctx: Ctx, api: LmToolsApi, classes: LmClasses): vscode.Disposable[] {
  if (typeof api.registerTool !== 'function' || !classes.LanguageModelToolResult || !classes.LanguageModelTextPart)
    return [];
  const Result = classes.LanguageModelToolResult;
  const Text = classes.LanguageModelTextPart;
  return AGENT_TOOL_NAMES.map((tool: AgentToolName) =>
    api.registerTool!(lmToolName(tool), {
      async prepareInvocation(options, token) {
        const client = await runningClient(ctx, token);
        const p = await client.sendRequest(agentToolPrepare, { tool, input: options.input, uri: folderUri() }, token);
        return {
          invocationMessage: p.invocationMessage,
          ...(p.confirmation
            ? {
                confirmationMessages: {
                  title: p.confirmation.title,
                  message: new vscode.MarkdownString(p.confirmation.message),
                },
              }
            : {}),
        };
      },
      async invoke(options, token) {
        const client = await runningClient(ctx, token);
        try {
          const r = await client.sendRequest(agentToolCall, { tool, input: options.input, uri: folderUri() }, token);
          // Models read text: the summary first, then the whole structured answer.
          return new Result([new Text(`${r.text}\n\nJSON:\n${JSON.stringify(r.structured)}`)]);
        } catch (e) {
          if (token.isCancellationRequested) throw new vscode.CancellationError();
          throw new Error(`DagLens ${tool}: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
    }),
  );
}

function registerMcpProvider(ctx: Ctx, api: LmToolsApi, classes: LmClasses): vscode.Disposable[] {
  if (typeof api.registerMcpServerDefinitionProvider !== 'function' || !classes.McpStdioServerDefinition) return [];
  const changed = new vscode.EventEmitter<void>();
  const Definition = classes.McpStdioServerDefinition;
  const version = String(
    (ctx.extension.extension?.packageJSON as { version?: unknown } | undefined)?.version ?? '0.0.0',
  );
  let registration: vscode.Disposable | undefined;
  const register = () => {
    if (registration || !vscode.workspace.isTrusted || !config().get<boolean>('agents.mcpServer', true)) return;
    try {
      registration = api.registerMcpServerDefinitionProvider!(MCP_PROVIDER_ID, {
        onDidChangeMcpServerDefinitions: changed.event,
        provideMcpServerDefinitions: () =>
          (vscode.workspace.workspaceFolders ?? [])
            .filter((f) => f.uri.scheme === 'file')
            .map((f) => {
              const l = mcpLaunch({
                serverJs: ctx.extension.asAbsolutePath(path.join('dist', 'server.js')),
                execPath: process.execPath,
                folder: f.uri.fsPath,
                folderName: f.name,
                storage: ctx.extension.storageUri?.fsPath,
              });
              return new Definition(l.label, l.command, l.args, l.env, version);
            }),
      });
    } catch (e) {
      // VS Code 1.100 has the API only as a proposal: nothing to offer there.
      ctx.output.info(
        `the MCP server is not offered in VS Code's MCP list: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };
  register();
  return [
    changed,
    { dispose: () => registration?.dispose() },
    vscode.workspace.onDidGrantWorkspaceTrust(register),
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('daglens.agents.mcpServer')) return;
      if (config().get<boolean>('agents.mcpServer', true)) register();
      else {
        registration?.dispose();
        registration = undefined;
      }
    }),
  ];
}

export function registerAgents(ctx: Ctx): vscode.Disposable[] {
  const api = (vscode.lm ?? {}) as unknown as LmToolsApi;
  const classes = vscode as unknown as LmClasses;
  return [...registerTools(ctx, api, classes), ...registerMcpProvider(ctx, api, classes)];
}
