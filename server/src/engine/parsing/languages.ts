/** The languages DagLens parses, and how a file is assigned to one. */
import { IndexLanguageSchema } from '../../protocol/contracts/search';

// One list: the protocol's (searches filter by it), so a language added here is one a client can ask for.
export type LanguageId = (typeof IndexLanguageSchema.options)[number];

export const LANGUAGES: readonly LanguageId[] = IndexLanguageSchema.options;

const BY_EXTENSION: Record<string, LanguageId> = {
  '.py': 'python',
  '.pyi': 'python',
  '.sql': 'sql',
  '.hql': 'sql',
  '.java': 'java',
  '.scala': 'scala',
  '.sc': 'scala',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.yml': 'yaml',
  '.yaml': 'yaml',
};

/** VS Code language ids that map onto ours (the editor's id wins over the extension). */
const BY_EDITOR_ID: Record<string, LanguageId> = {
  python: 'python',
  sql: 'sql',
  'jinja-sql': 'sql',
  java: 'java',
  scala: 'scala',
  typescript: 'typescript',
  typescriptreact: 'tsx',
  javascript: 'javascript',
  javascriptreact: 'javascript',
  yaml: 'yaml',
};

export function languageOfPath(filePath: string): LanguageId | undefined {
  const dot = filePath.lastIndexOf('.');
  if (dot < 0) return undefined;
  return BY_EXTENSION[filePath.slice(dot).toLowerCase()];
}

export function languageOf(filePath: string, editorLanguageId?: string): LanguageId | undefined {
  return (editorLanguageId && BY_EDITOR_ID[editorLanguageId]) || languageOfPath(filePath);
}

export const SOURCE_EXTENSIONS = Object.keys(BY_EXTENSION);
