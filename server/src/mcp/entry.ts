/**
 * `server.js mcp --workspace DIR …`: the MCP server started from the extension's own bundle (VS Code's MCP
 * server list runs it; the CLI bundle is not shipped in the .vsix). Same command, same options as `daglens mcp`.
 */
import { parseCommandArgs, UserError } from '../cli/args';
import { mcpCommand } from '../cli/commands/mcp';

export async function runMcpCommand(argv: string[]): Promise<void> {
  try {
    const { values, positionals } = parseCommandArgs(mcpCommand, argv);
    process.exitCode = await mcpCommand.run(values, positionals);
  } catch (e) {
    process.stderr.write(
      `daglens mcp: ${e instanceof UserError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(e instanceof UserError ? 2 : 1);
  }
}
