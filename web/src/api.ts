/**
 * The typed client of docs/web-api.md: JSON in and out, the CSRF token on every state-changing
 * request, errors as ApiError with the server's code and sentence.
 */

export interface Account {
  readonly address: string;
  readonly admin: boolean;
}

export type MailboxRole = 'inbox' | 'sent' | 'drafts' | 'trash' | 'junk' | 'archive';

export interface Mailbox {
  readonly id: number;
  readonly name: string;
  readonly role: MailboxRole | null;
  readonly messages: number;
  readonly unseen: number;
  readonly size: number;
}

export interface Addr {
  readonly name: string;
  readonly address: string;
}

export interface Summary {
  readonly uid: number;
  readonly flags: readonly string[];
  readonly internalDate: number;
  readonly date: number | null;
  readonly size: number;
  readonly subject: string;
  readonly from: readonly Addr[];
  readonly to: readonly Addr[];
  readonly cc: readonly Addr[];
  readonly preview: string;
  readonly hasAttachments: boolean;
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly baseSubject: string;
}

export interface Attachment {
  readonly part: string;
  readonly filename: string;
  readonly type: string;
  readonly size: number;
  readonly inline: boolean;
}

export interface Message extends Summary {
  readonly text: string | null;
  readonly html: string | null;
  readonly attachments: readonly Attachment[];
  readonly headers: { readonly replyTo?: readonly Addr[] | null; readonly bcc?: readonly Addr[] | null };
}

export interface Page {
  readonly total: number;
  readonly items: readonly Summary[];
  readonly next: string | null;
}

export interface ComposeAttachment {
  readonly filename: string;
  readonly type: string;
  readonly data: string;
}

export interface Compose {
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  text: string;
  html?: string;
  inReplyTo?: string;
  references?: string[];
  attachments?: ComposeAttachment[];
}

export type Change =
  | { kind: 'new'; mailboxId: number; modseq: number; messages: { uid: number; flags: string[]; internalDate: number; size: number }[] }
  | { kind: 'flags'; mailboxId: number; modseq: number; messages: { uid: number; flags: string[] }[] }
  | { kind: 'expunge'; mailboxId: number; modseq: number; uids: number[] }
  | { kind: 'mailbox-created' | 'mailbox-renamed' | 'mailbox-deleted'; mailboxId: number; modseq: number; name: string };

export type SettingValue = string | number | boolean;

export interface SettingSchema {
  readonly key: string;
  readonly kind: 'enum' | 'boolean' | 'int-choice' | 'address-or-empty';
  readonly values?: readonly (string | number)[];
  readonly default: SettingValue;
  readonly description: string;
}

export interface Settings {
  readonly values: Record<string, SettingValue>;
  readonly schema: readonly SettingSchema[];
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: string;
}

export interface ClientSetup {
  readonly address: string;
  readonly imap?: Endpoint | null;
  readonly imaps?: Endpoint | null;
  readonly pop3?: Endpoint | null;
  readonly pop3s?: Endpoint | null;
  readonly submission?: Endpoint | null;
  readonly submissions?: Endpoint | null;
  readonly enabled: { readonly imap: boolean; readonly pop3: boolean };
}

export interface ClientSession {
  readonly protocol: string;
  readonly client: string | null;
  readonly remoteAddress: string;
  readonly since: number | string;
  readonly lastActivity: number | string;
}

export interface PopDownload {
  readonly at: number | string;
  readonly remoteAddress: string;
  readonly retrieved: number;
  readonly deleted: number;
}

export interface Clients {
  readonly sessions: readonly ClientSession[];
  readonly popDownloads: readonly PopDownload[];
}

/** An error answer of the API: `{error, message}` and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
/** Called with every new session (sign-in, setup, GET /api/session). */
export function setCsrf(token: string): void {
  csrf = token;
}

/** Called when any request answers 401: the app shows the sign-in page. */
let onUnauthenticated: () => void = () => undefined;
export function whenSignedOut(fn: () => void): void {
  onUnauthenticated = fn;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const early = new Map<string, Promise<Response | null>>();

/**
 * Starts GETs the first screen will need while the app boots (the first paint waits for
 * them otherwise one after another). `get(path)` takes a successful early answer once.
 */
export function prefetch(paths: readonly string[]): void {
  for (const path of paths) {
    early.set(
      path,
      fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).catch(() => null),
    );
  }
}

async function takeEarly(path: string): Promise<Response | null> {
  const p = early.get(path);
  if (!p) return null;
  early.delete(path);
  const res = await p;
  return res?.ok ? res : null;
}

/** One API call; resolves with the parsed JSON (undefined for 204). */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const res =
    (method === 'GET' ? await takeEarly(path) : null) ??
    (await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }));
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const e = (typeof data === 'object' && data !== null ? data : {}) as { error?: string; message?: string };
    if (res.status === 401 && path !== '/api/session') onUnauthenticated();
    throw new ApiError(res.status, e.error ?? 'http-' + String(res.status), e.message ?? `The server answered ${res.status}.`);
  }
  return data as T;
}

export const get = <T>(path: string): Promise<T> => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown): Promise<T> => api<T>('POST', path, body ?? {});

/** A readable sentence for any thrown value. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export const mailPath = (mailboxId: number, rest = ''): string => `/api/mailboxes/${mailboxId}${rest}`;
