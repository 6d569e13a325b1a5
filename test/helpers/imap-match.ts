/**
 * S-line patterns of the transcript format: exact text, except that a trailing ` *` matches any
 * rest of the line, `<*>` matches any run of characters, and `${name}` captures a token the first
 * time and must equal it afterwards. `<<repeat N TEXT>>` in C lines expands to TEXT repeated N times.
 */

export type Captures = Map<string, string>;

const SPECIAL = /<\*>|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** What a capture matches: one token (no spaces, parentheses, brackets, braces or quotes). */
const TOKEN = '([^\\s()\\[\\]{}"]+)';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches `text` against `pattern`; returns the captures it binds (null when it does not match). */
export function matchLine(pattern: string, text: string, caps: Captures): Captures | null {
  let body = pattern;
  let anyTail = false;
  if (body.endsWith(' *')) {
    anyTail = true;
    body = body.slice(0, -2);
  }
  const names: string[] = [];
  let re = '';
  let last = 0;
  for (const m of body.matchAll(SPECIAL)) {
    re += escapeRe(body.slice(last, m.index));
    last = m.index + m[0].length;
    const name = m[1];
    if (name === undefined) re += '.*?';
    else if (caps.has(name)) re += escapeRe(caps.get(name)!);
    else if (names.includes(name)) re += `\\${names.indexOf(name) + 1}`;
    else {
      names.push(name);
      re += TOKEN;
    }
  }
  re += escapeRe(body.slice(last));
  const full = new RegExp(`^${re}${anyTail ? '(?: .*)?' : ''}$`, 's');
  const m = full.exec(text);
  if (!m) return null;
  const bound: Captures = new Map();
  names.forEach((n, i) => bound.set(n, m[i + 1]!));
  return bound;
}

export class UnboundCapture extends Error {}

/** Substitutes captures and expands `<<repeat N TEXT>>` in a C line. */
export function expandClientText(text: string, caps: Captures): string {
  return text
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = caps.get(name);
      if (v === undefined) throw new UnboundCapture(`\${${name}} is used before an S line captured it`);
      return v;
    })
    .replace(/<<repeat (\d+) ([^>]*)>>/g, (_, n: string, s: string) => s.repeat(Number(n)));
}

/** A C line for the report: long repeats stay compact. */
export function displayClientText(text: string): string {
  return text.replace(/\r\n$/, '');
}
