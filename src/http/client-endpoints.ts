/**
 * What a mail client needs to connect: host names, ports and TLS modes of the listeners that are
 * on (config), and which of IMAP and POP3 the account's settings allow. Shared by the settings
 * page, Thunderbird autoconfig, Outlook autodiscover and the Apple profile.
 */
import type { ListenerName, ServerConfig } from '../core/config-schema.ts';
import type { AccountSettings } from '../core/settings-schema.ts';

export type TlsMode = 'implicit' | 'starttls' | 'none';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: TlsMode;
}

export type Endpoints = Readonly<Record<Exclude<ListenerName, 'smtp' | 'http'>, Endpoint | null>>;

const TLS: Readonly<Record<keyof Endpoints, TlsMode>> = {
  imap: 'starttls',
  imaps: 'implicit',
  pop3: 'starttls',
  pop3s: 'implicit',
  submission: 'starttls',
  submissions: 'implicit',
};

export function clientEndpoints(config: ServerConfig): Endpoints {
  const one = (name: keyof Endpoints): Endpoint | null =>
    config.ports[name] === 0 ? null : { host: config.hostname, port: config.ports[name], tls: TLS[name] };
  return {
    imap: one('imap'),
    imaps: one('imaps'),
    pop3: one('pop3'),
    pop3s: one('pop3s'),
    submission: one('submission'),
    submissions: one('submissions'),
  };
}

/** Implicit TLS first (RFC 8314 §3), then STARTTLS. */
export function preferred(a: Endpoint | null, b: Endpoint | null): Endpoint | null {
  return a ?? b;
}

export interface Offer {
  readonly imap: Endpoint | null;
  readonly pop3: Endpoint | null;
  readonly smtp: Endpoint | null;
}

/** The incoming and outgoing servers to advertise, as the settings allow. */
export function offer(config: ServerConfig, settings: AccountSettings): Offer {
  const e = clientEndpoints(config);
  return {
    imap: settings['imap.enabled'] ? preferred(e.imaps, e.imap) : null,
    pop3: settings['pop.enabled'] !== 'off' ? preferred(e.pop3s, e.pop3) : null,
    smtp: preferred(e.submissions, e.submission),
  };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
