/**
 * The Received trace header (RFC 5321 §4.4) every accepted message gets on top:
 *
 *   Received: from client.example ([192.0.2.1])
 *           by mx.example.org (postkontor) with ESMTPS id Ab3dE5fG
 *           (version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384)
 *           for <bob@example.org>; Sun, 8 Nov 2026 09:00:00 +0000
 *
 * `with` is the RFC 3848 protocol type (ESMTP, ESMTPS, ESMTPA, ESMTPSA); `for` names the
 * recipient only when there is exactly one, so Bcc recipients are not revealed to each other.
 */

export interface ReceivedInfo {
  /** The name the client gave in EHLO/HELO (the engine refused control characters and over-long names). */
  readonly helo: string;
  readonly remoteAddress: string;
  readonly hostname: string;
  /** ESMTP, ESMTPS, ESMTPA, ESMTPSA (or SMTP… after HELO). */
  readonly protocol: string;
  readonly id: string;
  readonly tls?: { readonly version: string; readonly cipher: string } | undefined;
  readonly recipients: readonly string[];
  readonly date: Date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC: `Sun, 8 Nov 2026 09:00:00 +0000`. */
export function rfc5322Date(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
  );
}

/** An address literal for the TCP-info part: `[192.0.2.1]`, `[IPv6:2001:db8::1]`. */
function addressLiteral(ip: string): string {
  const v4 = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return v4.includes(':') ? `[IPv6:${v4}]` : `[${v4}]`;
}

/** The header with its CRLF, ready to prepend. */
export function receivedHeader(info: ReceivedInfo): string {
  const lines = [
    `Received: from ${info.helo || 'unknown'} (${addressLiteral(info.remoteAddress)})`,
    `\tby ${info.hostname} (postkontor) with ${info.protocol} id ${info.id}`,
  ];
  if (info.tls) lines.push(`\t(version=${info.tls.version} cipher=${info.tls.cipher})`);
  const only = info.recipients.length === 1 ? info.recipients[0] : undefined;
  if (only !== undefined) lines.push(`\tfor <${only}>; ${rfc5322Date(info.date)}`);
  else lines[lines.length - 1] += `; ${rfc5322Date(info.date)}`;
  return `${lines.join('\r\n')}\r\n`;
}
