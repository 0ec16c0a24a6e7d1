import { SearchParamsSchema, type SearchHitDto } from '../../protocol';
import { intOption, UserError, type Command } from '../args';
import { indexOptionHelp, indexOptions, openIndexedEngine } from './indexCmd';

export const searchCommand: Command = {
  name: 'search',
  summary: 'search the workspace index (BM25 + vectors, fused) for code matching TEXT',
  usage: 'daglens search TEXT --workspace DIR [--k 10] [--lang sql] [--glob "models/**"] [--json]',
  options: {
    ...indexOptions,
    k: { type: 'string', short: 'k' },
    lang: { type: 'string', multiple: true },
    glob: { type: 'string' },
    mode: { type: 'string' },
    json: { type: 'boolean' },
  },
  optionHelp: [
    ...indexOptionHelp,
    '-k, --k N               number of hits (default 10)',
    '    --lang LANG         only this language (python, sql, java, scala, typescript, tsx, javascript, yaml); repeatable',
    '    --glob GLOB         only files matching this workspace-relative glob',
    '    --mode MODE         hybrid (default), lexical or vector',
    '    --json              print JSON: { query, hits: [{ file, name, kind, container, startLine, endLine, … }] }',
  ],
  async run(values, positionals) {
    const query = positionals.join(' ').trim();
    if (!query) throw new UserError("nothing to search for: daglens search TEXT (see 'daglens search --help')");
    const parsed = SearchParamsSchema.safeParse({
      query,
      k: intOption(values.k, 'k', 10),
      languages: values.lang,
      pathGlob: values.glob,
      mode: values.mode,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UserError(
        `--${issue.path[0] === 'languages' ? 'lang' : issue.path[0] === 'pathGlob' ? 'glob' : String(issue.path[0])}: ${issue.message}`,
      );
    }
    const { engine } = await openIndexedEngine(values);
    const hits: SearchHitDto[] = await engine.index.search(query, parsed.data);
    if (values.json) {
      process.stdout.write(JSON.stringify({ query, hits }, null, 2) + '\n');
      return 0;
    }
    if (!hits.length) process.stdout.write('no matches\n');
    for (const h of hits) {
      const qualified = [...h.container, h.name].join('.');
      process.stdout.write(
        `${h.file}:${h.startLine}-${h.endLine}  ${h.kind} ${qualified}  (${h.score.toFixed(4)}, ${h.via.join('+')})\n`,
      );
      const lines = h.text.split(/\r?\n/);
      const show = h.matchedLines.length ? h.matchedLines.slice(0, 3) : [h.startLine];
      for (const l of show)
        process.stdout.write(`  ${String(l).padStart(5)} │ ${(lines[l - h.startLine] ?? '').trim().slice(0, 120)}\n`);
    }
    return 0;
  },
};
