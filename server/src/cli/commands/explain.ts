import { Engine } from '../../engine/engine';
import { LlmError } from '../../engine/llm/errors';
import { UserError, workspaceDir, type Command } from '../args';
import { stderrLogger } from '../output';
import { LLM_OPTION_HELP, LLM_OPTIONS, llmSettingsFromFlags } from './llmOptions';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'one-paragraph LLM explanations of symbols (stored by content hash; only new code costs)',
  usage: 'daglens explain --workspace DIR [--file PATH]… [--symbol NAME] [--json]',
  options: {
    workspace: { type: 'string', short: 'w' },
    file: { type: 'string', short: 'f', multiple: true },
    symbol: { type: 'string', short: 's' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    ...LLM_OPTIONS,
  },
  optionHelp: [
    '-w, --workspace DIR       the workspace folder (default: the current directory)',
    '-f, --file PATH           only symbols of this file (repeatable; default: every file)',
    '-s, --symbol NAME         only this symbol (dotted, e.g. orders.compute_booleans; needs one --file)',
    '    --json                print the explanation(s) as JSON',
    ...LLM_OPTION_HELP,
    '-v, --verbose             log progress to stderr',
  ],
  async run(values) {
    const root = workspaceDir(values.workspace);
    const files = Array.isArray(values.file)
      ? values.file.map((f) => f.replace(/\\/g, '/').replace(/^\.\//, ''))
      : undefined;
    if (values.symbol && files?.length !== 1) throw new UserError('--symbol needs exactly one --file');
    const engine = new Engine({
      root,
      settings: llmSettingsFromFlags(values),
      log: stderrLogger(!!values.verbose),
      llmEnv: process.env,
    });
    await engine.workspace.scan();
    for (const f of files ?? [])
      if (!engine.llm.text.entry(f)) throw new UserError(`not a parsed workspace file: ${f}`);
    const why = engine.llm.unavailableReason();
    if (why) throw new UserError(`cannot explain: ${why}`);
    if (typeof values.symbol === 'string') {
      try {
        const e = await engine.llm.explain(files![0], { name: values.symbol });
        process.stdout.write(
          values.json
            ? JSON.stringify(e, null, 2) + '\n'
            : `${e.file}:${e.startLine}-${e.endLine} ${e.symbol}\n${e.summary}\n`,
        );
        return 0;
      } catch (e) {
        if (e instanceof LlmError) throw new UserError(e.message);
        throw e;
      }
    }
    const r = await engine.llm.explainAll(files, undefined, (done, total) => {
      if (values.verbose) process.stderr.write(`\r${done}/${total}`);
    });
    if (values.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else
      process.stdout.write(
        `${r.explained} explained, ${r.fromStore} already stored${r.stoppedBy ? `; stopped: ${r.stoppedBy}` : ''}\n`,
      );
    return r.stoppedBy && r.explained === 0 ? 1 : 0;
  },
};
