import { runMcpCommand } from '../mcp/entry';
import { startServer } from './server';

// A bug on one request must not end the session: log it and keep serving.
process.on('uncaughtException', (e) => console.error(`[daglens] uncaught: ${e.stack ?? e}`));
process.on('unhandledRejection', (e) =>
  console.error(`[daglens] unhandled rejection: ${e instanceof Error ? e.stack : e}`),
);

// VS Code's MCP server list (client/src/agents.ts) runs this bundle as `server.js mcp --workspace DIR`.
if (process.argv[2] === 'mcp') void runMcpCommand(process.argv.slice(3));
else startServer();
