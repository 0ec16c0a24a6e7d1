import { Engine } from '../../engine/engine';
import { UserError, workspaceDir, workspaceFile, type Command } from '../args';
import { stderrLogger } from '../output';
import { lineRangeOption, LLM_OPTION_HELP, LLM_OPTIONS, llmSettingsFromFlags, usd } from './llmOptions';

export const askCommand: Command = {
  name: 'ask',
  summary: 'answer a question about a workspace from its code, with citations (LLM optional)',
  usage: 'daglens ask "QUESTION" --workspace DIR [--file PATH [--lines A-B]] [--context TEXT] [--json]',
  options: {
    workspace: { type: 'string', short: 'w' },
    file: { type: 'string', short: 'f' },
    lines: { type: 'string' },
    context: { type: 'string' },
    k: { type: 'string' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    ...LLM_OPTIONS,
  },
  optionHelp: [
    '-w, --workspace DIR       the workspace folder (default: the current directory)',
    '-f, --file PATH           the file the question is about (relative to the workspace)',
    '    --lines A-B           the selected lines of --file, put first in the evidence',
    '    --context TEXT        more context (a DAG node, an error message)',
    '    --k N                 evidence snippets to retrieve (default 8)',
    '    --json                print { answer, citations, droppedCitations, offline, reason, costUsd, cached }',
    ...LLM_OPTION_HELP,
    '-v, --verbose             log progress to stderr',
  ],
  async run(values, positionals) {
    const question = positionals.join(' ').trim();
    if (!question)
      throw new UserError(
        'ask needs a question: daglens ask "where is revenue computed?" (see \'daglens ask --help\')',
      );
    const root = workspaceDir(values.workspace);
    const selection = lineRangeOption(values.lines);
    let file: string | undefined;
    if (typeof values.file === 'string') file = workspaceFile(root, values.file, '--file');
    else if (selection) throw new UserError('--lines needs --file');
    const k = values.k === undefined ? 8 : Number(values.k);
    if (!Number.isInteger(k) || k < 1 || k > 50)
      throw new UserError(`--k must be an integer from 1 to 50, got '${values.k}'`);

    const log = stderrLogger(!!values.verbose);
    const engine = new Engine({ root, settings: llmSettingsFromFlags(values), log, llmEnv: process.env });
    await engine.workspace.scan();
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once('SIGINT', onSigint);
    const stream = !values.json;
    // `daglens ask … | head` closes the pipe early: that is the reader's choice, not an error.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
    });
    try {
      const r = await engine.llm.ask(
        { question, file, selection, context: typeof values.context === 'string' ? values.context : undefined, k },
        stream ? (d) => process.stdout.write(d) : undefined,
        ac.signal,
      );
      if (values.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return 0;
      }
      process.stdout.write('\n');
      if (r.citations.length) {
        process.stdout.write('\nSources:\n');
        for (const c of r.citations)
          process.stdout.write(`  ${c.file}:${c.startLine}-${c.endLine}${c.symbol ? `  ${c.symbol}` : ''}\n`);
      }
      const notes = [
        r.offline ? 'offline' : r.cached ? 'from cache, $0' : `cost ${usd(r.costUsd)}`,
        r.droppedCitations ? `${r.droppedCitations} citation(s) to code that does not exist dropped` : '',
      ].filter(Boolean);
      process.stderr.write(`daglens: ${notes.join('; ')}\n`);
      return 0;
    } catch (e) {
      if (ac.signal.aborted) {
        process.stderr.write('\ndaglens: cancelled\n');
        return 130;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
