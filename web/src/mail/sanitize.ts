/**
 * HTML mail made safe to show: DOMPurify removes script, event handlers, forms, frames, base and
 * meta elements and javascript: URLs; remote images (src, srcset, background, CSS url()) are
 * parked in data-blocked-* attributes until the reader allows them. The result is shown in a
 * sandboxed iframe without allow-scripts or allow-same-origin (see Reader), under its own CSP,
 * so even markup the sanitiser missed cannot run script or reach the app.
 */
import DOMPurify from 'dompurify';

export interface SanitizedHtml {
  /** A complete document for the iframe's srcdoc. */
  readonly doc: string;
  /** Remote resources that were blocked (0 when images are allowed). */
  readonly blocked: number;
}

const REMOTE = /^\s*(https?:)?\/\//i;
const CSS_URL = /url\(\s*(['"]?)(.*?)\1\s*\)/gi;

let blockRemote = true;
let blockedCount = 0;
let cidMap: ReadonlyMap<string, string> = new Map();

/** Rewrites CSS url(...) references: cid: to data URLs, remote ones to nothing while blocked. */
function rewriteCss(css: string): string {
  const noImports = css.replace(/@import[^;]*;?/gi, '').replace(/expression\s*\(/gi, 'blocked(');
  return noImports.replace(CSS_URL, (whole, _q: string, url: string) => {
    const u = url.trim();
    if (/^cid:/i.test(u)) return `url("${cidMap.get(u.slice(4).toLowerCase()) ?? ''}")`;
    if (/^data:image\//i.test(u)) return whole;
    if (REMOTE.test(u)) {
      if (!blockRemote) return whole;
      blockedCount++;
      return 'url("")';
    }
    return 'url("")';
  });
}

function cidSrc(value: string): string | null {
  if (!/^cid:/i.test(value)) return null;
  return cidMap.get(value.trim().slice(4).toLowerCase()) ?? '';
}

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && node.textContent) node.textContent = rewriteCss(node.textContent);
  });
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (!(node instanceof Element)) return;
    for (const attr of ['src', 'background', 'poster']) {
      const v = node.getAttribute(attr);
      if (v === null) continue;
      const cid = cidSrc(v);
      if (cid !== null) {
        node.setAttribute(attr, cid);
      } else if (REMOTE.test(v)) {
        if (blockRemote) {
          node.setAttribute(`data-blocked-${attr}`, v);
          node.removeAttribute(attr);
          blockedCount++;
        }
      } else if (!/^data:image\//i.test(v)) {
        node.removeAttribute(attr);
      }
    }
    const srcset = node.getAttribute('srcset');
    if (srcset !== null) {
      // Only http(s) and data:image candidates survive; while blocked they wait aside.
      const kept = srcset
        .split(',')
        .map((c) => c.trim())
        .filter((c) => REMOTE.test(c) || /^data:image\//i.test(c))
        .join(', ');
      node.removeAttribute('srcset');
      if (kept && blockRemote) {
        node.setAttribute('data-blocked-srcset', kept);
        blockedCount++;
      } else if (kept) node.setAttribute('srcset', kept);
    }
    const style = node.getAttribute('style');
    if (style !== null) node.setAttribute('style', rewriteCss(style));
    if (node.tagName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (/^\s*(https?:|mailto:)/i.test(href)) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      } else if (!href.startsWith('#')) {
        node.removeAttribute('href');
      }
    }
  });
}

const FORBID_TAGS = [
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'input', 'button',
  'textarea', 'select', 'option', 'base', 'meta', 'link', 'noscript', 'template', 'portal', 'math',
];
const FORBID_ATTR = ['action', 'formaction', 'srcdoc', 'ping', 'http-equiv', 'xlink:href', 'autofocus'];

/** Sanitises one HTML part. `cids` maps a Content-ID (lower case, no brackets) to a data: URL. */
export function sanitizeHtml(html: string, opts: { allowRemote: boolean; cids?: ReadonlyMap<string, string> }): SanitizedHtml {
  installHooks();
  blockRemote = !opts.allowRemote;
  blockedCount = 0;
  cidMap = opts.cids ?? new Map();
  const body = DOMPurify.sanitize(html, {
    FORBID_TAGS,
    FORBID_ATTR,
    FORCE_BODY: true,
    ALLOW_DATA_ATTR: false,
    ADD_ATTR: ['target'],
    ALLOW_UNKNOWN_PROTOCOLS: false,
  });
  const blocked = blockedCount;
  const img = opts.allowRemote ? 'data: https: http:' : 'data:';
  const csp = `default-src 'none'; img-src ${img}; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'`;
  const doc =
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">` +
    `<style>html{color-scheme:light}body{margin:12px;font:14px/1.45 system-ui,sans-serif;color:#1d1d1f;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}pre{white-space:pre-wrap}</style>` +
    `</head><body>${body}</body></html>`;
  return { doc, blocked };
}
