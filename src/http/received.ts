/**
 * The Received header on mail sent from the web (RFC 5321 §4.4 in spirit): which client address
 * handed it over and when. `for` names the recipient only when there is one (Bcc stays private).
 */
import type { ClientInfo } from './env.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function rfc5322Date(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function literal(ip: string): string {
  const v4 = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (v4 === '') return '[unknown]';
  return v4.includes(':') ? `[IPv6:${v4}]` : `[${v4}]`;
}

export interface WebReceived {
  readonly client: ClientInfo;
  readonly hostname: string;
  readonly id: string;
  readonly recipients: readonly string[];
  readonly date: Date;
}

export function webReceivedHeader(r: WebReceived): string {
  const only = r.recipients.length === 1 ? `\r\n\tfor <${r.recipients[0]}>` : '';
  return `Received: from web (${literal(r.client.remoteAddress)})\r\n\tby ${r.hostname} (postkontor) with ${r.client.secure ? 'HTTPS' : 'HTTP'} id ${r.id}${only}; ${rfc5322Date(r.date)}\r\n`;
}
