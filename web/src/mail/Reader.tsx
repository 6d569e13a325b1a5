/**
 * The reading pane: headers, the body (plain text escaped with clickable links, or HTML
 * sanitised and shown in a sandboxed iframe without scripts or same-origin rights), remote
 * images behind "Show images", attachments, and the actions.
 */
import { useEffect, useMemo, useState } from 'react';
import { errorText, get, mailPath, type Addr, type Mailbox, type Message, type Summary } from '../api.ts';
import { addrShort, addrText, longDate, sizeText } from '../format.ts';
import { linkify } from './linkify.ts';
import { sanitizeHtml } from './sanitize.ts';
import type { ReplyKind } from './Compose.tsx';

interface Props {
  readonly mailbox: Mailbox;
  readonly uid: number;
  readonly summary: Summary | null;
  readonly thread: readonly Summary[];
  readonly message: Message | null;
  readonly onLoaded: (m: Message) => void;
  readonly onOpenUid: (uid: number) => void;
  readonly onBack: () => void;
  readonly onArchive: () => void;
  readonly onTrash: () => void;
  readonly onStar: () => void;
  readonly onUnread: () => void;
  readonly onMove: () => void;
  readonly onReply: (kind: ReplyKind) => void;
  readonly trashLabel: string;
}

export function Reader(p: Props) {
  const [error, setError] = useState<string | null>(null);
  const [images, setImages] = useState(false);
  const { mailbox, uid, onLoaded } = p;

  useEffect(() => {
    let live = true;
    get<Message>(mailPath(mailbox.id, `/messages/${uid}`))
      .then((m) => {
        if (live) onLoaded(m);
      })
      .catch((err: unknown) => {
        if (live) setError(errorText(err));
      });
    return () => {
      live = false;
    };
    // onLoaded changes identity every render; the message to load is (mailbox, uid).
  }, [mailbox.id, uid]);

  const m = p.message;
  const html = useMemo(() => (m?.html ? sanitizeHtml(m.html, { allowRemote: images }) : null), [m?.html, images]);

  if (error) {
    return (
      <article className="reader">
        <div className="reader-toolbar">
          <button type="button" onClick={p.onBack}>
            ← Back
          </button>
        </div>
        <p className="error" role="alert">
          {error}
        </p>
      </article>
    );
  }
  if (!m) {
    return (
      <article className="reader" aria-busy="true">
        <h2 className="reader-subject">{p.summary?.subject ?? ''}</h2>
        <p className="muted">Loading…</p>
      </article>
    );
  }
  const flagged = m.flags.includes('\\Flagged');
  const base = mailPath(mailbox.id, `/messages/${m.uid}`);
  return (
    <article className="reader" aria-labelledby="reader-subject" data-uid={m.uid}>
      <div className="reader-toolbar" role="toolbar" aria-label="Message actions">
        <button type="button" onClick={p.onBack} title="Back to the list (u)">
          ← Back
        </button>
        <button type="button" onClick={p.onArchive} title="Archive (e)" disabled={mailbox.role === 'archive'}>
          Archive
        </button>
        <button type="button" onClick={p.onTrash} title={`${p.trashLabel} (#)`}>
          {p.trashLabel}
        </button>
        <button type="button" onClick={p.onStar} aria-pressed={flagged} title="Star (s)">
          {flagged ? '★ Starred' : '☆ Star'}
        </button>
        <button type="button" onClick={p.onUnread} title="Mark unread (shift+u)">
          Mark unread
        </button>
        <button type="button" onClick={p.onMove} title="Move (v)">
          Move…
        </button>
        <span className="spacer" />
        <button type="button" onClick={() => p.onReply('reply')} title="Reply (r)">
          Reply
        </button>
        <button type="button" onClick={() => p.onReply('reply-all')} title="Reply all (a)">
          Reply all
        </button>
        <button type="button" onClick={() => p.onReply('forward')} title="Forward (f)">
          Forward
        </button>
      </div>
      <header className="reader-head">
        <h2 id="reader-subject" className="reader-subject">
          {m.subject || '(no subject)'}
        </h2>
        <dl className="headers">
          <dt>From</dt>
          <dd className="from-full">{m.from.map(addrText).join(', ') || '(unknown sender)'}</dd>
          <AddrRow label="To" list={m.to} />
          <AddrRow label="Cc" list={m.cc} />
          <AddrRow label="Bcc" list={m.headers.bcc ?? []} />
          <AddrRow label="Reply-To" list={m.headers.replyTo ?? []} />
          <dt>Date</dt>
          <dd>{longDate(m.date ?? m.internalDate)}</dd>
        </dl>
        <a className="raw-link" href={`${base}/raw`} download={`message-${m.uid}.eml`}>
          Download original
        </a>
      </header>
      {p.thread.length > 1 && (
        <nav className="thread" aria-label="Conversation">
          <h3>{p.thread.length} messages in this conversation</h3>
          <ul>
            {p.thread.map((t) => (
              <li key={t.uid}>
                <button type="button" aria-current={t.uid === m.uid ? 'true' : undefined} onClick={() => p.onOpenUid(t.uid)}>
                  <span className="from">{addrShort(t.from)}</span> <span className="muted">{longDate(t.date ?? t.internalDate)}</span>{' '}
                  <span className="preview">{t.preview}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {html && html.blocked > 0 && !images && (
        <div className="banner images" role="status">
          Remote images in this message are hidden to protect your privacy.{' '}
          <button type="button" onClick={() => setImages(true)}>
            Show images
          </button>
        </div>
      )}
      <div className="reader-body">
        {html ? (
          <iframe
            className="html-body"
            title="Message content"
            sandbox="allow-popups allow-popups-to-escape-sandbox"
            referrerPolicy="no-referrer"
            srcDoc={html.doc}
          />
        ) : (
          <pre className="text-body">
            {linkify(m.text ?? '').map((part, i) =>
              'href' in part ? (
                <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
                  {part.text}
                </a>
              ) : (
                <span key={i}>{part.text}</span>
              ),
            )}
          </pre>
        )}
      </div>
      {m.attachments.length > 0 && (
        <section className="attachments" aria-label="Attachments">
          <h3>Attachments</h3>
          <ul>
            {m.attachments.map((a) => (
              <li key={a.part}>
                <a href={`${base}/parts/${encodeURIComponent(a.part)}`} download={a.filename || `part-${a.part}`}>
                  {a.filename || `part ${a.part}`}
                </a>{' '}
                <span className="muted">
                  {a.type}, {sizeText(a.size)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}

function AddrRow({ label, list }: { label: string; list: readonly Addr[] }) {
  if (list.length === 0) return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{list.map(addrText).join(', ')}</dd>
    </>
  );
}
