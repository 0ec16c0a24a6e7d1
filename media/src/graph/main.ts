/**
 * The graph page: lineage, impact or a mapped DAG, placed by the layered layout of ./layered.ts right here on
 * the page (milliseconds for plans and lineage; about a second at the 5,000-node drawing limit), drawn as SVG
 * with pan and zoom on one transform.
 */
import {
  GraphToWebviewSchema,
  type GraphModel,
  type GraphNode,
  type GraphToExtension,
} from '@daglens/protocol/webview';
import { button, el, icon, onMessage, post as postRaw } from '../shared/bridge';
import { bestLayout, NODE_HEIGHT, shortLabel, type Positioned } from './layout';

const post = (m: GraphToExtension) => postRaw(m);
const SVG = 'http://www.w3.org/2000/svg';
const KEYBOARD_NODES = 400;
/** Above this many nodes the page paints "Laying out…" before it starts (the layout holds the page meanwhile). */
const SHOW_PROGRESS_FROM = 300;

// ── page ──────────────────────────────────────────────────────────────────────────────────────────────
const root = document.getElementById('app')!;
const title = el('span', 'dl-title', 'DagLens graph');
const filterInput = el('input', 'dl-filter');
filterInput.type = 'search';
filterInput.placeholder = 'Filter nodes…';
filterInput.setAttribute('aria-label', 'Filter nodes by name');
const depth = el('select', 'dl-depth');
depth.setAttribute('aria-label', 'Neighbours to keep around matches');
for (const d of [0, 1, 2, 3, 5]) {
  const o = el('option', '', d === 0 ? 'matches only' : `+${d} hop${d > 1 ? 's' : ''}`);
  o.value = String(d);
  if (d === 1) o.selected = true;
  depth.append(o);
}
const followBtn = button('Follow editor', 'pin', 'Follow the active editor', () =>
  post({ type: 'follow', on: !following }),
);
let following = false;
const toolbar = el('div', 'dl-toolbar');
toolbar.append(
  title,
  filterInput,
  depth,
  button('', 'filter', 'Apply filter (Enter)', () => applyFilter()),
  button('', 'screen-full', 'Fit to view (0)', () => fit()),
  button('', 'zoom-in', 'Zoom in (+)', () => zoomBy(1.25)),
  button('', 'zoom-out', 'Zoom out (-)', () => zoomBy(0.8)),
  followBtn,
  button('', 'refresh', 'Refresh', () => post({ type: 'refresh' })),
);
const status = el('div', 'dl-graph-status');
status.setAttribute('role', 'status');
const legend = el('div', 'dl-legend');
for (const [s, label] of [
  ['high', 'mapped'],
  ['low', 'low confidence'],
  ['derived', 'derived'],
  ['unmapped', 'unmapped'],
] as const) {
  const item = el('span', `dl-legend-item status-${s}`);
  item.append(el('span', 'dl-swatch'), el('span', '', label));
  legend.append(item);
}
// Runs: nodes carry the share of the run's time they account for, drawn as a bar under the label.
const heatLegend = el('span', 'dl-legend-item dl-heat-legend');
heatLegend.append(el('span', 'dl-heat-swatch'), el('span', '', 'time (bar: share of the slowest operator)'));
heatLegend.hidden = true;
legend.append(heatLegend);
const stage = el('div', 'dl-stage');
const svg = document.createElementNS(SVG, 'svg');
svg.setAttribute('class', 'dl-svg');
svg.setAttribute('role', 'img');
const defs = document.createElementNS(SVG, 'defs');
defs.innerHTML =
  '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="dl-arrow"/></marker>';
const viewport = document.createElementNS(SVG, 'g');
svg.append(defs, viewport);
const tooltip = el('div', 'dl-tooltip');
tooltip.hidden = true;
stage.append(svg, tooltip);
root.append(toolbar, status, legend, stage);

function applyFilter(): void {
  post({ type: 'filter', text: filterInput.value.trim(), depth: Number(depth.value) });
}
filterInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') applyFilter();
});

function setStatus(text: string, cls = ''): void {
  status.className = `dl-graph-status ${cls}`.trim();
  status.replaceChildren();
  if (cls === 'dl-loading') status.append(icon('loading codicon-modifier-spin'), ' ');
  status.append(text);
}

// ── pan and zoom ──────────────────────────────────────────────────────────────────────────────────────
let view = { x: 0, y: 0, k: 1 };
let bounds = { width: 0, height: 0 };

function applyView(): void {
  viewport.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.k})`);
}

function fit(): void {
  const w = stage.clientWidth || 800;
  const h = stage.clientHeight || 600;
  if (!bounds.width || !bounds.height) return;
  // No bigger than 1.5×: a graph of two or three nodes should not fill the view with giant boxes.
  const k = Math.min(1.5, Math.max(0.02, Math.min(w / (bounds.width + 40), h / (bounds.height + 40))));
  view = { k, x: (w - bounds.width * k) / 2, y: (h - bounds.height * k) / 2 };
  applyView();
}

function zoomBy(f: number, cx = stage.clientWidth / 2, cy = stage.clientHeight / 2): void {
  const k = Math.min(4, Math.max(0.02, view.k * f));
  view = { k, x: cx - ((cx - view.x) * k) / view.k, y: cy - ((cy - view.y) * k) / view.k };
  applyView();
}

stage.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    const r = stage.getBoundingClientRect();
    zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  },
  { passive: false },
);
let drag: { x: number; y: number; moved: boolean } | undefined;
stage.addEventListener('pointerdown', (e) => {
  drag = { x: e.clientX, y: e.clientY, moved: false };
});
window.addEventListener('pointermove', (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x;
  const dy = e.clientY - drag.y;
  if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
  drag.moved = true;
  view.x += dx;
  view.y += dy;
  drag.x = e.clientX;
  drag.y = e.clientY;
  applyView();
});
window.addEventListener('pointerup', () => setTimeout(() => (drag = undefined), 0));
document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  const step = 60;
  const keys: Record<string, () => void> = {
    '+': () => zoomBy(1.25),
    '=': () => zoomBy(1.25),
    '-': () => zoomBy(0.8),
    '0': fit,
    ArrowLeft: () => {
      view.x += step;
      applyView();
    },
    ArrowRight: () => {
      view.x -= step;
      applyView();
    },
    ArrowUp: () => {
      view.y += step;
      applyView();
    },
    ArrowDown: () => {
      view.y -= step;
      applyView();
    },
  };
  const act = keys[e.key];
  if (act) {
    e.preventDefault();
    act();
  }
});

// ── drawing ───────────────────────────────────────────────────────────────────────────────────────────
let graph: GraphModel | undefined;
let generation = 0;

const KIND_ICONS: Record<string, string> = {
  table: 'table',
  view: 'eye',
  model: 'database',
  source: 'database',
  column: 'symbol-field',
  process: 'gear',
  task: 'run',
  operator: 'symbol-operator',
  file: 'file',
};

function showTooltip(n: GraphNode, x: number, y: number): void {
  tooltip.replaceChildren(
    el('div', 'dl-tooltip-title', n.label),
    el('div', 'dl-meta', `${n.kind}${n.status !== 'none' ? ` · ${n.status}` : ''}`),
  );
  if (n.detail) tooltip.append(el('div', 'dl-tooltip-detail', n.detail));
  if (n.location) tooltip.append(el('div', 'dl-meta', `${n.location.file}:${n.location.startLine} — click to open`));
  tooltip.append(el('div', 'dl-meta', 'A (on a focused node): ask DagLens about it'));
  tooltip.hidden = false;
  // Measured once filled: beside the pointer, flipped to its other side where it would leave the view.
  const r = stage.getBoundingClientRect();
  const w = tooltip.offsetWidth;
  const h = tooltip.offsetHeight;
  const px = x - r.left;
  const py = y - r.top;
  const left = px + 12 + w <= r.width ? px + 12 : px - 12 - w;
  const top = py + 12 + h <= r.height ? py + 12 : py - 12 - h;
  tooltip.style.left = `${Math.max(0, Math.min(left, r.width - w))}px`;
  tooltip.style.top = `${Math.max(0, Math.min(top, r.height - h))}px`;
}

function draw(g: GraphModel, p: Positioned): void {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const edgeLayer = document.createElementNS(SVG, 'g');
  edgeLayer.setAttribute('class', 'dl-edges');
  for (const e of p.edges) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', `M${e.points.map((q) => `${q.x},${q.y}`).join('L')}`);
    path.setAttribute('marker-end', 'url(#arrow)');
    edgeLayer.append(path);
  }
  const nodeLayer = document.createElementNS(SVG, 'g');
  nodeLayer.setAttribute('class', 'dl-nodes');
  const keyboard = g.nodes.length <= KEYBOARD_NODES;
  for (const [id, box] of p.nodes) {
    const n = byId.get(id);
    if (!n) continue;
    const node = document.createElementNS(SVG, 'g');
    node.setAttribute(
      'class',
      `dl-node status-${n.status}${n.focus ? ' dl-focus' : ''}${n.location ? ' dl-link' : ''}`,
    );
    node.setAttribute('transform', `translate(${box.x},${box.y})`);
    node.dataset.id = id;
    node.setAttribute('aria-label', `${n.kind} ${n.label}${n.status !== 'none' ? `, ${n.status}` : ''}`);
    if (keyboard) node.setAttribute('tabindex', '0');
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('width', String(box.width));
    rect.setAttribute('height', String(NODE_HEIGHT));
    rect.setAttribute('rx', '4');
    const glyph = document.createElementNS(SVG, 'text');
    glyph.setAttribute('class', 'dl-glyph codicon');
    glyph.setAttribute('x', '8');
    glyph.setAttribute('y', '20');
    glyph.textContent = codiconChar(KIND_ICONS[n.kind] ?? 'circle-small');
    const text = document.createElementNS(SVG, 'text');
    text.setAttribute('x', '26');
    text.setAttribute('y', '19');
    text.textContent = shortLabel(n.label);
    node.append(rect, glyph, text);
    if (n.heat !== undefined) {
      const bar = document.createElementNS(SVG, 'rect');
      bar.setAttribute('class', 'dl-heat');
      bar.setAttribute('x', '1');
      bar.setAttribute('y', String(NODE_HEIGHT - 4));
      bar.setAttribute('width', String(Math.max(2, (box.width - 2) * n.heat)));
      bar.setAttribute('height', '3');
      // The hottest nodes are also tinted, so a glance finds them.
      if (n.heat >= 0.5) node.classList.add('dl-hot');
      node.append(bar);
    }
    nodeLayer.append(node);
  }
  viewport.replaceChildren(edgeLayer, nodeLayer);
  bounds = { width: p.width, height: p.height };
  svg.setAttribute('aria-label', `${g.title}: ${g.nodes.length} nodes, ${g.edges.length} edges`);
}

/** The glyph of a codicon, read from the bundled codicon.css rules (so SVG text can show it). */
const glyphCache = new Map<string, string>();
function codiconChar(name: string): string {
  let c = glyphCache.get(name);
  if (c === undefined) {
    const probe = el('span', `codicon codicon-${name}`);
    probe.hidden = true;
    document.body.append(probe);
    const content = getComputedStyle(probe, '::before').content;
    probe.remove();
    c = content && content !== 'none' ? content.replace(/^["']|["']$/g, '') : '•';
    glyphCache.set(name, c);
  }
  return c;
}

// Events are delegated to the layers: one listener for thousands of nodes.
function nodeOf(target: EventTarget | null): GraphNode | undefined {
  const g = target instanceof Element ? target.closest<SVGGElement>('.dl-node') : null;
  const id = g?.dataset.id;
  return id ? graph?.nodes.find((n) => n.id === id) : undefined;
}
viewport.addEventListener('click', (e) => {
  if (drag?.moved) return;
  const n = nodeOf(e.target);
  if (n) post({ type: 'openNode', nodeId: n.id });
});
viewport.addEventListener('keydown', (e) => {
  const n = nodeOf(e.target);
  if (n && (e.key === 'Enter' || e.key === ' ')) {
    e.preventDefault();
    post({ type: 'openNode', nodeId: n.id });
  } else if (n && e.key === 'a') {
    post({ type: 'askNode', nodeId: n.id });
  }
});

viewport.addEventListener('mousemove', (e) => {
  const n = nodeOf(e.target);
  if (n) showTooltip(n, e.clientX, e.clientY);
  else tooltip.hidden = true;
});
viewport.addEventListener('mouseleave', () => (tooltip.hidden = true));
viewport.addEventListener('focusin', (e) => {
  const n = nodeOf(e.target);
  const r = (e.target as Element).getBoundingClientRect();
  if (n) showTooltip(n, r.right, r.bottom);
});

async function show(g: GraphModel): Promise<void> {
  const started = performance.now();
  const mine = ++generation;
  graph = g;
  delete document.body.dataset.rendered;
  title.textContent = g.title;
  legend.hidden = g.mode !== 'dag';
  heatLegend.hidden = !g.nodes.some((n) => n.heat !== undefined);
  if (!g.nodes.length) {
    viewport.replaceChildren();
    setStatus(
      g.filter ? `No node matches “${g.filter.text}”.` : 'Nothing to draw: no lineage or mapping is known here yet.',
    );
    return;
  }
  setStatus(`Laying out ${g.nodes.length.toLocaleString()} nodes…`, 'dl-loading');
  // Let a big graph's status paint before the layout holds the page.
  if (g.nodes.length > SHOW_PROGRESS_FROM) await new Promise((r) => setTimeout(r, 0));
  if (mine !== generation) return;
  try {
    const { placed } = bestLayout(g, { width: stage.clientWidth || 800, height: stage.clientHeight || 600 });
    draw(g, placed);
    const ms = performance.now() - started;
    // The whole graph, as Fit shows it: what a user expects first (zoom in from there).
    fit();
    const filtered = g.filter ? ` (filtered “${g.filter.text}”: ${g.filter.shown} of ${g.filter.total})` : '';
    const took = ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
    setStatus(
      `${g.nodes.length.toLocaleString()} nodes, ${g.edges.length.toLocaleString()} edges${filtered} · laid out in ${took}`,
    );
    document.body.dataset.layoutMs = String(Math.round(ms));
    document.body.dataset.rendered = String(g.nodes.length);
  } catch (e) {
    if (mine === generation)
      setStatus(`Could not lay out the graph: ${e instanceof Error ? e.message : String(e)}`, 'dl-error');
  }
}

onMessage(GraphToWebviewSchema, (m) => {
  switch (m.type) {
    case 'graph':
      void show(m.graph);
      break;
    case 'loading':
      setStatus(m.message, 'dl-loading');
      break;
    case 'tooLarge':
      generation++;
      graph = undefined;
      viewport.replaceChildren();
      title.textContent = m.title;
      setStatus(`${m.message} Type a name in the filter to draw the part you need.`, 'dl-error');
      filterInput.focus();
      break;
    case 'error':
      generation++;
      setStatus(m.message, 'dl-error');
      break;
    case 'follow':
      following = m.on;
      followBtn.classList.toggle('dl-active', m.on);
      followBtn.setAttribute('aria-pressed', String(m.on));
      break;
  }
});

post({ type: 'ready' });
