/**
 * An Apple configuration profile (Configuration Profile Reference, `com.apple.mail.managed`)
 * with one mail account: IMAP, or POP3 when asked for or when IMAP is off, plus the submission
 * server. No password is in it; the device asks when the profile is installed.
 */
import { randomUUID } from 'node:crypto';
import { escapeXml, type Endpoint } from './client-endpoints.ts';

export interface ProfileInput {
  readonly address: string;
  readonly hostname: string;
  readonly incoming: { readonly protocol: 'imap' | 'pop3'; readonly endpoint: Endpoint };
  readonly smtp: Endpoint | null;
}

type Plist = string | number | boolean | readonly Plist[] | { readonly [key: string]: Plist };

function plist(value: Plist, indent: string): string {
  if (typeof value === 'string') return `${indent}<string>${escapeXml(value)}</string>`;
  if (typeof value === 'number') return `${indent}<integer>${Math.trunc(value)}</integer>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `${indent}<array>\n${(value as readonly Plist[]).map((v) => plist(v, inner)).join('\n')}\n${indent}</array>`;
  const entries = Object.entries(value as Record<string, Plist>).map(([k, v]) => `${inner}<key>${escapeXml(k)}</key>\n${plist(v, inner)}`);
  return `${indent}<dict>\n${entries.join('\n')}\n${indent}</dict>`;
}

function reverseDns(hostname: string): string {
  return hostname.split('.').reverse().join('.');
}

export function mobileconfig(p: ProfileInput): string {
  const id = `${reverseDns(p.hostname)}.postkontor.${p.address.replace(/[^A-Za-z0-9.-]/g, '-')}`;
  const mail: Record<string, Plist> = {
    PayloadType: 'com.apple.mail.managed',
    PayloadVersion: 1,
    PayloadIdentifier: `${id}.mail`,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadDisplayName: p.address,
    EmailAccountDescription: p.address,
    EmailAccountType: p.incoming.protocol === 'imap' ? 'EmailTypeIMAP' : 'EmailTypePOP',
    EmailAddress: p.address,
    IncomingMailServerHostName: p.incoming.endpoint.host,
    IncomingMailServerPortNumber: p.incoming.endpoint.port,
    IncomingMailServerUseSSL: p.incoming.endpoint.tls !== 'none',
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerUsername: p.address,
  };
  if (p.smtp) {
    Object.assign(mail, {
      OutgoingMailServerHostName: p.smtp.host,
      OutgoingMailServerPortNumber: p.smtp.port,
      OutgoingMailServerUseSSL: p.smtp.tls !== 'none',
      OutgoingMailServerAuthentication: 'EmailAuthPassword',
      OutgoingMailServerUsername: p.address,
      OutgoingPasswordSameAsIncomingPassword: true,
    });
  }
  const profile: Record<string, Plist> = {
    PayloadContent: [mail],
    PayloadDisplayName: `Mail: ${p.address}`,
    PayloadDescription: `Sets up ${p.address} on ${p.hostname}.`,
    PayloadIdentifier: id,
    PayloadOrganization: p.hostname,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadVersion: 1,
  };
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
    `<plist version="1.0">\n${plist(profile, '')}\n</plist>\n`
  );
}
