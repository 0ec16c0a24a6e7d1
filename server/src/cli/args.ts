/** Small argument layer over node:util parseArgs: typed options, --help text, one-line user errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** A mistake of the user's: printed as one line, exit code 2, no stack trace. */
export class UserError extends Error {}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** One line per option for --help. */
  optionHelp: string[];
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number>;
}

export function parseCommandArgs(cmd: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split('\n')[0]} (see 'daglens ${cmd.name} --help')`);
  }
}

export function commandHelp(cmd: Command): string {
  return [`daglens ${cmd.name} — ${cmd.summary}`, '', `Usage: ${cmd.usage}`, '', 'Options:', ...cmd.optionHelp.map((l) => `  ${l}`), '  -h, --help              show this help'].join('\n');
}

export function workspaceDir(value: unknown): string {
  const dir = path.resolve(typeof value === 'string' && value ? value : '.');
  if (!existsSync(dir)) throw new UserError(`workspace not found: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new UserError(`workspace is not a directory: ${dir}`);
  return dir;
}

export function intOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UserError(`--${name} must be a positive integer, got '${value}'`);
  return n;
}
