// Lint: the layer boundaries of docs/ARCHITECTURE.md as import rules, plus typescript-eslint's recommended checks.
// Formatting is prettier's (`npm run format`); type errors are tsc's (`npm run typecheck`).
import tseslint from 'typescript-eslint';

const LSP_OR_EDITOR = [
  'vscode',
  'vscode-languageserver',
  'vscode-languageserver/*',
  'vscode-languageclient',
  'vscode-languageclient/*',
];

/** `no-restricted-imports` for one layer: the module globs it must not import, with the reason. */
function forbid(message, modules, patterns = [], more = []) {
  return {
    'no-restricted-imports': ['error', { patterns: [{ group: [...modules, ...patterns], message }, ...more] }],
  };
}

// The protocol (server/src/protocol/): contracts/ and webview.ts are zod only; lsp.ts adds the LSP message types;
// index.ts re-exports the three. The LSP layer is reached as `protocol`, `protocol/index` or `protocol/lsp`.
const LSP_PROTOCOL = 'vscode-languageserver-protocol';
const PROTOCOL_LSP_LAYER = {
  regex: '(^@daglens/protocol|/protocol)(/index|/lsp)?$',
  message: "the protocol's LSP layer (protocol/index, protocol/lsp) is for adapters: import protocol/contracts",
};
/** Only these module names (a regex of what is allowed), with the reason. */
const only = (allowed, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ regex: `^(?!(${allowed})$)`, message }] }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'out/**',
      'test-results/**',
      '.vscode-test/**',
      'media/dist/**',
      '**/*.d.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Deliberate in this code base: `any` at JSON boundaries right before zod, empty catch where a best effort is meant.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': 'off', // tsc's noUnusedLocals/noUnusedParameters decide
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Grammars, native addons and large tables are required lazily on purpose: the bundler keeps them external.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    files: ['server/src/engine/**/*.ts'],
    rules: forbid(
      'the engine knows nothing of VS Code, LSP, the CLI, MCP or the client: return data, let an adapter present it',
      [...LSP_OR_EDITOR, LSP_PROTOCOL],
      ['**/lsp/**', '**/cli/**', '**/mcp/**', '**/client/**', '@modelcontextprotocol/*'],
      [PROTOCOL_LSP_LAYER],
    ),
  },
  {
    files: ['server/src/shared/**/*.ts'],
    rules: forbid(
      'shared contracts are plain data and zod: no editor, LSP or engine imports',
      [...LSP_OR_EDITOR, LSP_PROTOCOL],
      ['**/engine/**', '**/lsp/**', '**/cli/**', '**/mcp/**', '**/client/**'],
    ),
  },
  {
    files: ['server/src/protocol/contracts/**/*.ts'],
    rules: only(
      'zod|\\./(?!index$)[a-z]+',
      'protocol contracts import only zod and each other (the engine imports them)',
    ),
  },
  {
    files: ['server/src/protocol/webview.ts'],
    rules: only('zod', 'webview messages are zod only (the webview pages import them)'),
  },
  {
    files: ['server/src/protocol/lsp.ts'],
    rules: only(
      `zod|${LSP_PROTOCOL}|\\./contracts`,
      'protocol/lsp.ts types the LSP messages with the contracts: zod, LSP and ./contracts only',
    ),
  },
  {
    files: ['server/src/protocol/index.ts'],
    rules: only('\\./(contracts|lsp|webview)', 'protocol/index.ts only re-exports contracts, lsp and webview'),
  },
  {
    files: ['server/src/cli/**/*.ts', 'server/src/mcp/**/*.ts'],
    rules: forbid('the CLI and MCP adapters run without VS Code or an LSP connection', LSP_OR_EDITOR, [
      '**/lsp/**',
      '**/client/**',
    ]),
  },
  {
    files: ['client/src/**/*.ts'],
    rules: forbid(
      'the client talks to the server through the protocol (@daglens/protocol), never to the engine',
      [],
      ['**/server/src/engine/**', '**/server/src/lsp/**', '**/server/src/cli/**', '**/server/src/mcp/**'],
    ),
  },
  {
    files: ['media/src/**/*.ts'],
    rules: forbid(
      'a webview sees only the protocol and its own modules: no editor API, no server or client code',
      [...LSP_OR_EDITOR, LSP_PROTOCOL],
      ['**/server/src/**', '**/client/src/**', 'node:*'],
      [
        {
          regex: '^@daglens/protocol(?!/(contracts|webview)(/[a-z]+)?$)',
          message: 'a webview imports only the zod-only protocol modules: @daglens/protocol/webview or /contracts',
        },
      ],
    ),
  },
);
