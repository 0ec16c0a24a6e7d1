/** Small argument layer over node:util parseArgs: typed options, --help text, one-line user errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, realpathSync, statSync } from 'node:fs';
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
    return parseArgs({
      args: argv,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split('\n')[0]} (see 'daglens ${cmd.name} --help')`);
  }
}

export function commandHelp(cmd: Command): string {
  return [
    `daglens ${cmd.name} — ${cmd.summary}`,
    '',
    `Usage: ${cmd.usage}`,
    '',
    'Options:',
    ...cmd.optionHelp.map((l) => `  ${l}`),
    '  -h, --help              show this help',
  ].join('\n');
}

export function workspaceDir(value: unknown): string {
  const dir = path.resolve(typeof value === 'string' && value ? value : '.');
  if (!existsSync(dir)) throw new UserError(`workspace not found: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new UserError(`workspace is not a directory: ${dir}`);
  return dir;
}

/**
 * A file a flag names inside the workspace (`--file`): resolved against the root and through symlinks; a path
 * that leaves the workspace (`../x`, an absolute path elsewhere, a link pointing out) is refused before anything
 * reads it. Returns the workspace-relative path with forward slashes.
 */
export function workspaceFile(root: string, value: string, flag: string): string {
  const abs = path.resolve(root, value);
  const inside = (base: string, p: string) => {
    const rel = path.relative(base, p);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  if (!inside(root, abs))
    throw new UserError(`${flag} ${value} is outside the workspace ${root}: only its files can be used`);
  if (!existsSync(abs)) throw new UserError(`file not found: ${value}`);
  if (!inside(realpathSync(root), realpathSync(abs)))
    throw new UserError(`${flag} ${value} links outside the workspace ${root}: only its files can be used`);
  return path.relative(root, abs).split(path.sep).join('/');
}

export function intOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UserError(`--${name} must be a positive integer, got '${value}'`);
  return n;
}
