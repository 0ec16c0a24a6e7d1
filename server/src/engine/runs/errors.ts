/** Errors of the runs reader: one line the user can act on (the CLI prints it, the editor shows it). */

/** An input DagLens cannot read at all (wrong kind of file, unsupported codec, unreachable server). */
export class RunsInputError extends Error {
  override readonly name = 'RunsInputError';
}

/** The user cancelled a read (Ctrl-C, the editor's Cancel); whatever was read is dropped. */
export class RunsCancelled extends Error {
  override readonly name = 'RunsCancelled';
  constructor(what = 'reading the run') {
    super(`${what} was cancelled`);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new RunsCancelled(what);
}
