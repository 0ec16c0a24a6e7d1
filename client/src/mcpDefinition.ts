/**
 * How VS Code starts DagLens's MCP server for a workspace folder (its MCP server list, VS Code ≥ 1.101): the
 * extension's own server bundle in `mcp` mode, run by the extension host's runtime (Electron as Node on the
 * desktop). No VS Code import here, so the launch can be tested by starting it.
 */
export interface McpLaunch {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface McpLaunchOptions {
  /** dist/server.js of the installed extension. */
  serverJs: string;
  /** The runtime of the extension host (process.execPath). */
  execPath: string;
  /** The workspace folder served. */
  folder: string;
  folderName: string;
  /** The extension's storage for this workspace: the server shares the language server's index and caches. */
  storage?: string;
}

export function mcpLaunch(o: McpLaunchOptions): McpLaunch {
  return {
    label: `DagLens (${o.folderName})`,
    command: o.execPath,
    // Offline: the editor's LLM settings, key and trust apply to the language-model tools, not to this process.
    args: [o.serverJs, 'mcp', '--workspace', o.folder, ...(o.storage ? ['--storage', o.storage] : []), '--no-llm'],
    // Electron runs scripts as plain Node with this set (the language server is started the same way).
    env: { ELECTRON_RUN_AS_NODE: '1' },
  };
}
