/**
 * Markdown for chat answers. Model output is untrusted: raw HTML is off (it is shown as text), links keep
 * only http(s) and in-page anchors, images become plain links (a webview must not load remote content), and
 * code blocks are highlighted by highlight.js, whose output escapes the code. Pure: runs in the webview and
 * in unit tests.
 */
import MarkdownIt from 'markdown-it';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import scala from 'highlight.js/lib/languages/scala';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import yaml from 'highlight.js/lib/languages/yaml';

const LANGUAGES = { bash, java, javascript, json, python, scala, sql, typescript, yaml } as const;
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);
hljs.registerAliases(['py', 'pyspark'], { languageName: 'python' });
hljs.registerAliases(['sparksql', 'hql', 'jinja-sql', 'dbt'], { languageName: 'sql' });
hljs.registerAliases(['sh', 'shell', 'console'], { languageName: 'bash' });
hljs.registerAliases(['ts'], { languageName: 'typescript' });
hljs.registerAliases(['js'], { languageName: 'javascript' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });

const SAFE_LINK = /^(https?:\/\/|#)/i;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function highlight(code: string, lang: string): string {
  const name = lang.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const language = name && hljs.getLanguage(name) ? name : undefined;
  const body = language ? hljs.highlight(code, { language, ignoreIllegals: true }).value : escapeHtml(code);
  // The class names only a registered language: the info string itself is model output.
  const cls = language ? `hljs language-${language}` : 'hljs';
  return `<pre class="${cls}"><code>${body}</code></pre>`;
}

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, highlight });
md.validateLink = (url) => SAFE_LINK.test(url.trim());
// Images would load remote content: show them as a link to their address instead.
md.renderer.rules.image = (tokens, idx) => {
  const t = tokens[idx]!;
  const src = String(t.attrGet('src') ?? '');
  const alt = escapeHtml(t.content || src);
  return SAFE_LINK.test(src) ? `<a href="${escapeHtml(src)}">${alt}</a>` : alt;
};
const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

// `[3]` in an answer's prose cites its third citation: a link the page opens (not in code, where `[3]` is code).
const defaultText = md.renderer.rules.text ?? ((tokens, idx) => escapeHtml(tokens[idx]!.content));
md.renderer.rules.text = (tokens, idx, options, env, self) => {
  const html = defaultText(tokens, idx, options, env, self);
  const n = (env as { citations?: number } | undefined)?.citations ?? 0;
  return n
    ? html.replace(/\[(\d{1,3})\]/g, (whole, k: string) =>
        Number(k) >= 1 && Number(k) <= n
          ? `<a href="#" class="dl-cite" data-cite="${Number(k)}" title="Open citation ${Number(k)}">${whole}</a>`
          : whole,
      )
    : html;
};

/**
 * Renders untrusted markdown to HTML that is safe to assign to innerHTML. With `citations`, `[k]` markers in
 * the prose (k ≤ citations) become links carrying `data-cite="k"`.
 */
export function renderMarkdown(text: string, citations = 0): string {
  return md.render(text, { citations });
}
