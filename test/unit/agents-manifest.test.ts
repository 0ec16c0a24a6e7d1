/**
 * The agent tools as VS Code sees them (package.json) match the tools the server implements: one
 * `daglens_<tool>` language-model tool per MCP tool, with the MCP tool's input schema (a stale manifest fails
 * here: `npm run agents:manifest`), and the settings and contributions the client reads are declared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inputJsonSchema, languageModelTools } from '../../server/src/mcp/manifest';
import { AGENT_TOOL_NAMES, AGENT_TOOLS, lmToolName } from '../../server/src/protocol';
import { REPO } from '../helpers';

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));

test('package.json contributes one language-model tool per agent tool, with its input schema', () => {
  const contributed = pkg.contributes.languageModelTools as Array<{
    name: string;
    inputSchema: Record<string, unknown>;
    modelDescription: string;
  }>;
  assert.deepEqual(
    contributed.map((t) => t.name),
    AGENT_TOOL_NAMES.map(lmToolName),
  );
  assert.deepEqual(contributed, languageModelTools(), 'package.json is up to date (npm run agents:manifest)');
  for (const tool of AGENT_TOOL_NAMES) {
    const t: { modelDescription: string } = contributed.find((x) => x.name === lmToolName(tool))!;
    assert.equal(t.modelDescription, AGENT_TOOLS[tool].description);
    const schema = inputJsonSchema(tool) as { properties: Record<string, unknown>; required?: string[] };
    assert.deepEqual(Object.keys(schema.properties), Object.keys(AGENT_TOOLS[tool].input.shape));
  }
  // The argument names scripts rely on.
  const props = (tool: string) =>
    Object.keys(
      (contributed.find((x) => x.name === `daglens_${tool}`)!.inputSchema as { properties: object }).properties,
    );
  assert.deepEqual(props('map_plan').slice(0, 2), ['plan', 'file']);
  assert.deepEqual(props('lineage').slice(0, 1), ['name']);
  assert.deepEqual(props('impact').slice(0, 2), ['name', 'direction']);
  assert.deepEqual(props('search_code').slice(0, 2), ['query', 'k']);
  assert.deepEqual(props('explain_symbol'), ['file', 'line']);
});

test('the vscode-lm settings, the MCP server setting and the MCP server definition provider are declared', () => {
  // Settings come in titled sections: one property table of them all.
  const props = Object.assign({}, ...pkg.contributes.configuration.map((s: { properties: object }) => s.properties));
  assert.deepEqual(props['daglens.llm.provider'].enum, ['auto', 'openai', 'vscode-lm']);
  assert.equal(props['daglens.llm.provider'].default, 'auto');
  assert.equal(props['daglens.llm.vscodeModel'].type, 'string');
  assert.equal(props['daglens.agents.mcpServer'].default, true);
  assert.deepEqual(pkg.contributes.mcpServerDefinitionProviders, [{ id: 'daglens.mcpServers', label: 'DagLens' }]);
  const client = readFileSync(path.join(REPO, 'client/src/agents.ts'), 'utf8');
  assert.match(
    client,
    /MCP_PROVIDER_ID = 'daglens\.mcpServers'/,
    'the client registers the provider id package.json declares',
  );
  assert.equal(pkg.scripts['bench:mcp'], 'node --import tsx bench/mcp.bench.ts');
});
