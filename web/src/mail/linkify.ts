/** Plain-text bodies: http(s) and mailto: links found, everything else left as text (React escapes it). */

export function linkify(text: string): ({ text: string } | { href: string; text: string })[] {
  const out: ({ text: string } | { href: string; text: string })[] = [];
  const re = /\b(https?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]|mailto:[^\s<>"'`]+@[^\s<>"'`]+[^\s<>"'`.,;:!?)\]])/gi;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index;
    if (at > last) out.push({ text: text.slice(last, at) });
    out.push({ href: m[0], text: m[0] });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
