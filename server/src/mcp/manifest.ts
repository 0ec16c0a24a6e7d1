/**
 * The agent tools as VS Code language-model tools (`contributes.languageModelTools` in package.json): names,
 * descriptions and input JSON schemas derived from protocol/contracts' AGENT_TOOLS with the same converter the MCP
 * SDK uses for `tools/list`, so the editor's tools and the MCP server's cannot drift apart
 * (`npm run agents:manifest` writes them; test/unit/agents-manifest.test.ts checks them).
 */
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { AGENT_TOOL_NAMES, AGENT_TOOLS, lmToolName } from '../protocol';

export interface LmToolContribution {
  name: string;
  toolReferenceName: string;
  displayName: string;
  modelDescription: string;
  userDescription: string;
  canBeReferencedInPrompt: boolean;
  icon: string;
  tags: string[];
  inputSchema: Record<string, unknown>;
}

const ICONS: Record<string, string> = {
  map_plan: '$(type-hierarchy)',
  lineage: '$(type-hierarchy-sub)',
  impact: '$(warning)',
  search_code: '$(search)',
  explain_symbol: '$(sparkle)',
  list_runs: '$(list-flat)',
  map_run: '$(flame)',
};

/** An input schema as the manifest carries it (no `$schema`: VS Code reads plain JSON schema objects). */
export function inputJsonSchema(tool: keyof typeof AGENT_TOOLS): Record<string, unknown> {
  const { $schema: _s, ...schema } = toJsonSchemaCompat(AGENT_TOOLS[tool].input, {
    strictUnions: true,
    pipeStrategy: 'input',
  });
  return schema;
}

export function languageModelTools(): LmToolContribution[] {
  return AGENT_TOOL_NAMES.map((tool) => ({
    name: lmToolName(tool),
    toolReferenceName: lmToolName(tool),
    displayName: `DagLens: ${AGENT_TOOLS[tool].title}`,
    modelDescription: AGENT_TOOLS[tool].description,
    userDescription: AGENT_TOOLS[tool].description.split(/(?<=\.)\s/)[0],
    canBeReferencedInPrompt: true,
    icon: ICONS[tool] ?? '$(tools)',
    tags: ['daglens', 'spark', 'lineage', 'data-engineering'],
    inputSchema: inputJsonSchema(tool),
  }));
}
