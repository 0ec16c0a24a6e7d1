/** The `daglens` CLI: the same engine as the language server, headless. */
import { commandHelp, parseCommandArgs, UserError, type Command } from './args';
import { symbolsCommand } from './commands/symbols';
import { indexCommand } from './commands/indexCmd';
import { searchCommand } from './commands/search';
import { mapCommand } from './commands/map';
import { lineageCommand } from './commands/lineage';
import { impactCommand } from './commands/impact';
import { askCommand } from './commands/ask';
import { explainCommand } from './commands/explain';
import { statsCommand } from './commands/stats';
import { runsCommand } from './commands/runs';
import { mcpCommand } from './commands/mcp';
import { toolCommand } from './commands/tool';
import { DAGLENS_VERSION } from '../shared/version';

const COMMANDS: Command[] = [
  mapCommand,
  runsCommand,
  symbolsCommand,
  lineageCommand,
  impactCommand,
  askCommand,
  explainCommand,
  statsCommand,
  indexCommand,
  searchCommand,
  mcpCommand,
  toolCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'daglens — map DAG nodes to code, and code to lineage',
    '',
    'Usage: daglens <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'daglens <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    // Without a command it is a usage error: the help above, and one line saying so.
    if (!name) process.stderr.write("daglens: no command given (see 'daglens --help')\n");
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${DAGLENS_VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) throw new UserError(`unknown command '${name}' (see 'daglens --help')`);
  const { values, positionals } = parseCommandArgs(cmd, rest);
  if (values.help) {
    process.stdout.write(commandHelp(cmd) + '\n');
    return 0;
  }
  return cmd.run(values, positionals);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UserError) {
      process.stderr.write(`daglens: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      // Our bug, not the user's: one line by default, the stack with DAGLENS_DEBUG=1.
      process.stderr.write(`daglens: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      if (process.env.DAGLENS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
      process.exitCode = 1;
    }
  },
);
