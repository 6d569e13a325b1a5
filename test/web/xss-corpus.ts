/**
 * Hostile messages for the web inbox: each payload, if it ever ran, would report itself three
 * ways (a request to /xss-hit/N, a postMessage to the top window, an alert dialog), so the test
 * sees any execution, in the app's document or in the message frame.
 */
const js = (n: number): string => `top.postMessage('xss-${n}','*');fetch('/xss-hit/${n}');alert(${n})`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

export interface HostileMessage {
  readonly name: string;
  readonly raw: string;
}

/** HTML bodies, each in its own text/html message. */
const HTML: readonly ((n: number) => [string, string])[] = [
  (n) => ['script tag', `<p>hi</p><script>${js(n)}</script>`],
  (n) => ['img onerror', `<img src=x onerror="${js(n)}">`],
  (n) => ['svg onload', `<svg onload="${js(n)}"><circle r=5 /></svg>`],
  (n) => ['script inside svg', `<svg><script>${js(n)}</script></svg>`],
  (n) => ['javascript: link', `<a href="javascript:${js(n)}">click me</a>`],
  (n) => ['mixed-case javascript: link', `<a href="JaVaScRiPt:${js(n)}">click me</a>`],
  (n) => ['entity-encoded javascript: link', `<a href="&#106;&#97;vascript&#58;${js(n)}">click me</a>`],
  (n) => ['leading-space javascript: link', `<a href="  \tjavascript:${js(n)}">click me</a>`],
  (n) => ['iframe javascript:', `<iframe src="javascript:${js(n)}"></iframe>`],
  (n) => ['iframe srcdoc', `<iframe srcdoc="<script>${js(n)}</script>"></iframe>`],
  (n) => ['object data: html', `<object data="data:text/html;base64,${b64(`<script>${js(n)}</script>`)}"></object>`],
  (n) => ['embed data: html', `<embed src="data:text/html;base64,${b64(`<script>${js(n)}</script>`)}">`],
  (n) => ['meta refresh', `<meta http-equiv="refresh" content="0;url=javascript:${js(n)}"><p>refresh</p>`],
  (n) => ['base href', `<base href="javascript:${js(n)}//"><a href="x">relative</a>`],
  (n) => ['form action', `<form action="javascript:${js(n)}"><input name=q><button>go</button></form>`],
  (n) => ['button formaction', `<form><button formaction="javascript:${js(n)}">go</button></form>`],
  (n) => ['css url javascript:', `<div style="background:url(javascript:${js(n)})">css</div>`],
  (n) => ['css expression', `<div style="width: expression(${js(n)})">ie</div>`],
  (n) => ['style element url/import', `<style>@import 'javascript:${js(n)}'; body{background:url("javascript:${js(n)}")}</style><p>styled</p>`],
  (n) => ['body onload', `<body onload="${js(n)}"><p>body</p></body>`],
  (n) => ['details ontoggle', `<details open ontoggle="${js(n)}"><summary>s</summary>d</details>`],
  (n) => ['video source onerror', `<video><source onerror="${js(n)}"></video>`],
  (n) => ['mXSS math/style', `<math><mtext><table><mglyph><style><img src=x onerror="${js(n)}">`],
  (n) => ['noscript title breakout', `<noscript><p title="</noscript><img src=x onerror=${js(n).replace(/ /g, '')}>"></noscript>`],
  (n) => ['malformed unclosed attribute', `<img src="x" onerror = '${js(n)}' <b>unclosed`],
  (n) => ['nested script split', `<scr<script>ipt>${js(n)}</scr</script>ipt>`],
  (n) => ['data: html link', `<a href="data:text/html,<script>${js(n)}</script>">data link</a>`],
  (n) => ['input autofocus onfocus', `<input autofocus onfocus="${js(n)}">`],
  (n) => ['marquee onstart', `<marquee onstart="${js(n)}">m</marquee>`],
  (n) => ['link stylesheet', `<link rel="stylesheet" href="javascript:${js(n)}"><p>link</p>`],
  (n) => ['svg xlink:href', `<svg><a xlink:href="javascript:${js(n)}"><text x="20" y="20">XSS</text></a></svg>`],
  (n) => ['svg animate onbegin', `<svg><animate onbegin="${js(n)}" attributeName="x" dur="1s"/></svg>`],
  (n) => ['img srcset javascript:', `<img srcset="x 1x, javascript:${js(n)} 2x">`],
  (n) => ['svg use data:', `<svg><use href="data:image/svg+xml;base64,${b64(`<svg id="x" xmlns="http://www.w3.org/2000/svg"><image href="x" onerror="${js(n)}"/></svg>`)}#x"/></svg>`],
  (n) => ['template content', `<template><img src=x onerror="${js(n)}"></template><p>t</p>`],
  (n) => ['uppercase tags', `<IMG SRC=x ONERROR="${js(n)}"><SCRIPT>${js(n)}</SCRIPT>`],
];

function htmlMessage(n: number, name: string, html: string, encoding: 'qp' | 'base64' | '8bit' = '8bit'): string {
  let body = html;
  if (encoding === 'base64') body = (b64(html).match(/.{1,76}/g) ?? []).join('\r\n');
  if (encoding === 'qp') body = html.replace(/=/g, '=3D');
  return [
    'From: Mallory <mallory@evil.test>',
    'To: alice@example.org',
    `Subject: XSS ${n}: ${name}`,
    `Date: ${new Date(Date.UTC(2025, 0, 1, 0, n)).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <xss-${n}@evil.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    `Content-Transfer-Encoding: ${encoding === 'qp' ? 'quoted-printable' : encoding}`,
    '',
    body,
    '',
  ].join('\r\n');
}

/** Payloads outside HTML parts: headers, subjects, file names, plain text. */
function otherMessages(start: number): HostileMessage[] {
  let n = start;
  const out: HostileMessage[] = [];
  const add = (name: string, f: (k: number) => string): void => {
    const k = n++;
    out.push({ name, raw: f(k) });
  };
  add('subject with markup', (k) =>
    [`From: m@evil.test`, `To: alice@example.org`, `Subject: XSS ${k} <img src=x onerror="${js(k)}">`, `Message-ID: <xss-${k}@evil.test>`, '', 'plain', ''].join('\r\n'),
  );
  add('encoded-word subject', (k) =>
    [`From: m@evil.test`, `To: alice@example.org`, `Subject: =?UTF-8?B?${b64(`XSS ${k} <svg onload="${js(k)}">`)}?=`, `Message-ID: <xss-${k}@evil.test>`, '', 'plain', ''].join('\r\n'),
  );
  add('display name with script', (k) =>
    [`From: "<script>${js(k)}</script>" <m@evil.test>`, `To: "<img src=x onerror=${js(k).replace(/ /g, '')}>" <alice@example.org>`, `Subject: XSS ${k} names`, `Message-ID: <xss-${k}@evil.test>`, '', 'plain', ''].join('\r\n'),
  );
  add('plain text with javascript: and markup', (k) =>
    [`From: m@evil.test`, `To: alice@example.org`, `Subject: XSS ${k} plain text`, `Message-ID: <xss-${k}@evil.test>`, 'Content-Type: text/plain; charset=utf-8', '', `javascript:${js(k)}`, `<script>${js(k)}</script>`, `https://example.com/"onmouseover="${js(k)}`, ''].join('\r\n'),
  );
  add('attachment file name and html attachment', (k) =>
    [
      `From: m@evil.test`,
      `To: alice@example.org`,
      `Subject: XSS ${k} attachment`,
      `Message-ID: <xss-${k}@evil.test>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'see attachment',
      '--b1',
      `Content-Type: text/html; name="<img src=x onerror=${js(k).replace(/ /g, '')}>.html"`,
      `Content-Disposition: attachment; filename="<img src=x onerror=${js(k).replace(/ /g, '')}>.html"`,
      '',
      `<script>${js(k)}</script>`,
      '--b1--',
      '',
    ].join('\r\n'),
  );
  add('reply-to header with markup', (k) =>
    [`From: m@evil.test`, `Reply-To: "<iframe src=javascript:${js(k).replace(/ /g, '')}>" <r@evil.test>`, `To: alice@example.org`, `Subject: XSS ${k} reply-to`, `Message-ID: <xss-${k}@evil.test>`, '', 'plain', ''].join('\r\n'),
  );
  return out;
}

/** The corpus: every HTML payload plain, two transfer-encoded variants, and header payloads. */
export function hostileMessages(): HostileMessage[] {
  const out: HostileMessage[] = HTML.map((f, i) => {
    const [name, html] = f(i + 1);
    return { name, raw: htmlMessage(i + 1, name, html) };
  });
  let n = out.length + 1;
  const [qpName, qpHtml] = HTML[1]!(n);
  out.push({ name: `${qpName} (quoted-printable)`, raw: htmlMessage(n, `${qpName} qp`, qpHtml, 'qp') });
  n++;
  const [b64Name, b64Html] = HTML[0]!(n);
  out.push({ name: `${b64Name} (base64)`, raw: htmlMessage(n, `${b64Name} base64`, b64Html, 'base64') });
  n++;
  out.push(...otherMessages(n));
  return out;
}
