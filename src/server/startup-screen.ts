/** The one screen `serve` prints on stdout: what runs, from where, listening where. */
import type { RunningServer } from './server.ts';

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

const TLS_MODE = { implicit: 'implicit TLS', starttls: 'STARTTLS', none: 'none' } as const;

export function startupScreen(server: RunningServer, version: string): string {
  const { config, store } = server.context;
  const tls = server.tls;
  const tlsLine =
    tls.origin === 'configured'
      ? `${tls.certPath} (configured)`
      : tls.origin === 'self-signed-created'
        ? `self-signed certificate created: ${tls.certPath}`
        : `self-signed certificate: ${tls.certPath}`;
  const loopbackNote = /^(127\.|::1$|localhost$)/.test(config.bind)
    ? ' (loopback only, the development default; --bind 0.0.0.0 serves the network)'
    : '';
  const lines = [
    `postkontor ${version}`,
    `  data      ${config.dataDir}`,
    `  store     ${store.dialect} ${server.storePath}`,
    `  hostname  ${config.hostname}`,
    `  tls       ${tlsLine}`,
    `            sha256 ${tls.fingerprint}, valid until ${tls.validTo}`,
  ];
  if (tls.origin !== 'configured') {
    lines.push('            clients will warn about it; set [tls] cert and key in a --config file');
  }
  lines.push(
    `  logins    plaintext passwords: ${config.auth.plaintext}`,
    `  bind      ${config.bind}${loopbackNote}`,
    '',
    ...table([
      ['PROTOCOL', 'ADDRESS', 'PORT', 'TLS'],
      ...server.listeners.map((l) =>
        l.port === null
          ? [l.label, '-', 'off', '-']
          : [l.label, l.address, String(l.port), TLS_MODE[l.tlsMode]],
      ),
    ]),
    '',
    'ready; Ctrl-C stops the server',
  );
  return `${lines.join('\n')}\n`;
}
