/**
 * The short text each tool answer carries beside its structured output: what an MCP client shows, what a
 * model that reads only text sees, and what `daglens tool NAME` prints without --json. A few lines, naming
 * the places in code (file:line) and saying when there is more to page through.
 */
import type { AgentToolName, AgentToolOutput, PageInfo } from '../../protocol/contracts';
import { formatBytes, formatDuration } from '../../shared/figures';

const MAX_LINES = 12;

function more(p: PageInfo, what: string): string[] {
  if (p.nextOffset === null) return [];
  return [`… ${p.total - p.nextOffset} more ${what} (offset ${p.nextOffset})`];
}

const at = (l: { file: string; startLine: number; endLine?: number }) =>
  `${l.file}:${l.startLine}${l.endLine && l.endLine > l.startLine ? `-${l.endLine}` : ''}`;

export function summarise<N extends AgentToolName>(name: N, out: AgentToolOutput<N>): string {
  switch (name) {
    case 'map_plan': {
      const o = out as AgentToolOutput<'map_plan'>;
      const c = o.counts;
      const lines = [
        `${o.plan}: ${o.kind}, ${o.page.total} nodes — ${c.high} high, ${c.low} low, ${c.derived} derived, ${c.unmapped} unmapped${o.sources[0] ? `; made by ${o.sources[0].file}` : ''}`,
      ];
      for (const n of o.nodes.filter((x) => x.status !== 'derived').slice(0, MAX_LINES)) {
        lines.push(
          `  ${n.operator}${n.line ? ` (line ${n.line})` : ''} → ${n.best ? `${at(n.best)} ${n.status} ${n.best.confidence.toFixed(2)}` : 'unmapped'}`,
        );
      }
      for (const p of o.problems.slice(0, 3))
        lines.push(`  problem${p.line ? ` at line ${p.line}` : ''}: ${p.message}`);
      return [...lines, ...more(o.page, 'nodes')].join('\n');
    }
    case 'lineage': {
      const o = out as AgentToolOutput<'lineage'>;
      const t = o.totals;
      const lines = [
        `${o.resolved.kind} ${o.resolved.name}: written by ${t.writers}, read by ${t.readers}${t.processes ? `, ${t.processes} code units reading ${t.reads} and writing ${t.writes}` : ''}; ${t.upstream} upstream, ${t.downstream} downstream`,
      ];
      for (const w of o.writers.slice(0, 5)) lines.push(`  written by ${w.symbol} at ${w.file}:${w.line}`);
      for (const r of o.readers.slice(0, 5)) lines.push(`  read by ${r.symbol} at ${r.file}:${r.line}`);
      for (const p of o.processes.slice(0, 5)) lines.push(`  ${p.symbol} at ${at(p)}`);
      if (o.downstream.length)
        lines.push(
          `  downstream: ${o.downstream
            .slice(0, 8)
            .map((h) => h.name)
            .join(', ')}${t.downstream > 8 ? ', …' : ''}`,
        );
      if (o.upstream.length)
        lines.push(
          `  upstream: ${o.upstream
            .slice(0, 8)
            .map((h) => h.name)
            .join(', ')}${t.upstream > 8 ? ', …' : ''}`,
        );
      return lines.join('\n');
    }
    case 'impact': {
      const o = out as AgentToolOutput<'impact'>;
      const lines = [`${o.page.total} ${o.direction} of ${o.start} (${o.kind})`];
      for (const h of o.hits.slice(0, MAX_LINES)) {
        const last = h.path[h.path.length - 1];
        lines.push(
          `  ${h.column ? `${h.name}.${h.column}` : h.name} (${h.distance})${last?.file ? ` via ${last.symbol} at ${last.file}:${last.line}` : ''}`,
        );
      }
      return [...lines, ...more(o.page, 'hits')].join('\n');
    }
    case 'search_code': {
      const o = out as AgentToolOutput<'search_code'>;
      const lines = [`${o.hits.length} hits for "${o.query}"${o.indexing ? ' (the index is still being built)' : ''}`];
      for (const h of o.hits.slice(0, MAX_LINES))
        lines.push(`  ${at(h)} ${h.kind} ${[...h.container, h.name].join('.')}`);
      return lines.join('\n');
    }
    case 'explain_symbol': {
      const o = out as AgentToolOutput<'explain_symbol'>;
      const lines = [
        o.symbol
          ? `${o.symbol.kind} ${o.symbol.name} at ${o.file}:${o.symbol.startLine}-${o.symbol.endLine}`
          : `${o.file}:${o.line} (no symbol here)`,
      ];
      for (const l of o.lineage.slice(0, 5))
        lines.push(
          `  ${l.symbol}: reads ${l.reads.join(', ') || '—'}; writes ${l.writes.join(', ') || '—'}; ${l.downstream} downstream`,
        );
      for (const n of o.planNodes.slice(0, 5))
        lines.push(`  plan node ${n.operator} of ${n.plan} maps to line ${n.line}`);
      for (const r of o.runs.slice(0, 5))
        lines.push(
          `  run ${r.run}: ${formatDuration(r.timeMs)} at line ${r.line}${r.spillBytes ? `, spill ${formatBytes(r.spillBytes)}` : ''}`,
        );
      lines.push(o.summary ? `  ${o.summary.text}` : `  (${o.summaryNote ?? 'no summary'})`);
      return lines.join('\n');
    }
    case 'list_runs': {
      const o = out as AgentToolOutput<'list_runs'>;
      const lines = [`${o.page.total} Spark run${o.page.total === 1 ? '' : 's'} found`];
      for (const r of o.runs.slice(0, MAX_LINES))
        lines.push(
          `  ${r.path} — ${r.what}, ${formatBytes(r.bytes)}${r.mapped ? `, mapped: ${r.mapped.located}/${r.mapped.executions} executions located` : ''}`,
        );
      return [...lines, ...more(o.page, 'runs')].join('\n');
    }
    case 'map_run': {
      const o = out as AgentToolOutput<'map_run'>;
      const head = `${o.path}: ${o.app.name ?? 'application'}${o.app.id ? ` (${o.app.id})` : ''}${o.app.sparkVersion ? `, Spark ${o.app.sparkVersion}` : ''}`;
      if (o.execution) {
        const e = o.execution;
        const lines = [
          `${head} — execution ${e.executionId}, ${e.status}${e.durationMs !== null ? `, ${formatDuration(e.durationMs)}` : ''}${e.location ? `, at ${at(e.location)}` : ', not located'}`,
        ];
        const timed = [...e.operators].filter((x) => x.timeMs).sort((a, b) => (b.timeMs ?? 0) - (a.timeMs ?? 0));
        for (const x of timed.slice(0, 8))
          lines.push(
            `  ${x.operator}${x.sparkId !== undefined ? ` #${x.sparkId}` : ''}: ${formatDuration(x.timeMs ?? 0)}${x.best ? ` → ${at(x.best)}` : ''}`,
          );
        return [...lines, ...more(o.page, 'operators')].join('\n');
      }
      const located = o.executions.filter((e) => e.location).length;
      const lines = [
        `${head} — ${o.page.total} SQL executions (${located} of ${o.executions.length} shown located)${o.skippedLines ? `, ${o.skippedLines} bad lines skipped` : ''}`,
      ];
      for (const e of o.executions.slice(0, MAX_LINES)) {
        lines.push(
          `  ${e.executionId} ${e.status}${e.durationMs !== null ? ` ${formatDuration(e.durationMs)}` : ''} ${e.location ? at(e.location) : '(not located)'}${e.error ? ` — ${e.error.split('\n')[0].slice(0, 100)}` : ''}`,
        );
      }
      return [...lines, ...more(o.page, 'executions')].join('\n');
    }
    default:
      return JSON.stringify(out).slice(0, 500);
  }
}
