/**
 * Client auto-configuration documents: Thunderbird's config-v1.1.xml (the autoconfig format of
 * wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat) and Outlook's POX
 * Autodiscover response (MS-OXDSCLI, responseschema/2006a with Protocol entries).
 */
import { escapeXml, type Endpoint, type Offer } from './client-endpoints.ts';

const SOCKET: Readonly<Record<Endpoint['tls'], string>> = { implicit: 'SSL', starttls: 'STARTTLS', none: 'plain' };

function server(tag: 'incomingServer' | 'outgoingServer', type: string, e: Endpoint): string {
  return [
    `    <${tag} type="${type}">`,
    `      <hostname>${escapeXml(e.host)}</hostname>`,
    `      <port>${e.port}</port>`,
    `      <socketType>${SOCKET[e.tls]}</socketType>`,
    `      <authentication>password-cleartext</authentication>`,
    `      <username>%EMAILADDRESS%</username>`,
    `    </${tag}>`,
  ].join('\n');
}

export function thunderbirdConfig(domain: string, hostname: string, offer: Offer): string {
  const servers = [
    ...(offer.imap ? [server('incomingServer', 'imap', offer.imap)] : []),
    ...(offer.pop3 ? [server('incomingServer', 'pop3', offer.pop3)] : []),
    ...(offer.smtp ? [server('outgoingServer', 'smtp', offer.smtp)] : []),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${escapeXml(domain)}">`,
    `    <domain>${escapeXml(domain)}</domain>`,
    `    <displayName>${escapeXml(`${domain} mail (${hostname})`)}</displayName>`,
    `    <displayShortName>${escapeXml(domain)}</displayShortName>`,
    ...servers,
    '  </emailProvider>',
    '</clientConfig>',
    '',
  ].join('\n');
}

export const AUTODISCOVER_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
export const OUTLOOK_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

function protocol(type: 'IMAP' | 'POP3' | 'SMTP', e: Endpoint, login: string): string {
  return [
    '      <Protocol>',
    `        <Type>${type}</Type>`,
    `        <Server>${escapeXml(e.host)}</Server>`,
    `        <Port>${e.port}</Port>`,
    '        <DomainRequired>off</DomainRequired>',
    `        <LoginName>${escapeXml(login)}</LoginName>`,
    '        <SPA>off</SPA>',
    `        <SSL>${e.tls === 'none' ? 'off' : 'on'}</SSL>`,
    `        <Encryption>${e.tls === 'implicit' ? 'SSL' : e.tls === 'starttls' ? 'TLS' : 'None'}</Encryption>`,
    '        <AuthRequired>on</AuthRequired>',
    ...(type === 'SMTP' ? ['        <UsePOPAuth>off</UsePOPAuth>', '        <SMTPLast>off</SMTPLast>'] : []),
    '      </Protocol>',
  ].join('\n');
}

export function autodiscoverResponse(login: string, offer: Offer): string {
  const protocols = [
    ...(offer.imap ? [protocol('IMAP', offer.imap, login)] : []),
    ...(offer.pop3 ? [protocol('POP3', offer.pop3, login)] : []),
    ...(offer.smtp ? [protocol('SMTP', offer.smtp, login)] : []),
  ];
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${AUTODISCOVER_RESPONSE_NS}">`,
    `  <Response xmlns="${OUTLOOK_RESPONSE_NS}">`,
    '    <Account>',
    '      <AccountType>email</AccountType>',
    '      <Action>settings</Action>',
    ...protocols,
    '    </Account>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}

/** The EMailAddress of an Autodiscover POX request, or null. */
export function autodiscoverEmail(body: string): string | null {
  const m = /<(?:[A-Za-z0-9_-]+:)?EMailAddress\s*>\s*([^<\s]{3,320})\s*<\/(?:[A-Za-z0-9_-]+:)?EMailAddress\s*>/i.exec(body);
  return m ? m[1]! : null;
}
