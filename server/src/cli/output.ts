import type { Logger } from '../engine/log';

/** CLI logging goes to stderr so stdout stays clean for --json. Info lines only with --verbose. */
export function stderrLogger(verbose: boolean): Logger {
  return {
    info: (m) => {
      if (verbose) process.stderr.write(`${m}\n`);
    },
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    error: (m) => process.stderr.write(`error: ${m}\n`),
  };
}
