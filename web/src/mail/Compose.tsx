/**
 * Compose, reply, reply-all and forward. While the author types, the draft is saved to Drafts
 * every few seconds (POST /api/drafts, replacing the previous save); sending goes through the
 * server's submission pipeline (POST /api/send) and then removes the draft.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorText, get, mailPath, post, type Compose as ComposeBody, type ComposeAttachment } from '../api.ts';
import { parseAddressList, sizeText } from '../format.ts';
import type { ComposeInit } from './reply.ts';

export { replyInit, type ComposeInit, type ReplyKind } from './reply.ts';

function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const s = typeof r.result === 'string' ? r.result : '';
      resolve(s.slice(s.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error('cannot read the file'));
    r.readAsDataURL(file);
  });
}

const AUTOSAVE_MS = 3000;

interface Props {
  readonly init: ComposeInit;
  readonly draftsId: number | null;
  readonly onClose: () => void;
  readonly onSent: (notice: string) => void;
}

export function Compose({ init, draftsId, onClose, onSent }: Props) {
  const [to, setTo] = useState(init.to ?? '');
  const [cc, setCc] = useState(init.cc ?? '');
  const [bcc, setBcc] = useState(init.bcc ?? '');
  const [showCc, setShowCc] = useState(Boolean(init.cc || init.bcc));
  const [subject, setSubject] = useState(init.subject ?? '');
  const [text, setText] = useState(init.text ?? '');
  const [files, setFiles] = useState<(ComposeAttachment & { size: number })[]>([]);
  const [status, setStatus] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = useRef(false);
  const draftUid = useRef<number | undefined>(init.draftUid);
  const saving = useRef<Promise<void>>(Promise.resolve());
  const first = useRef<HTMLInputElement>(null);
  const body = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (init.to) {
      body.current?.focus();
      body.current?.setSelectionRange(0, 0);
    } else first.current?.focus();
  }, [init.to]);

  // Forward: bring the original's attachments along.
  useEffect(() => {
    const f = init.forwardFrom;
    if (!f || f.parts.length === 0) return;
    let live = true;
    void Promise.all(
      f.parts.map(async (p) => {
        const res = await fetch(mailPath(f.mailboxId, `/messages/${f.uid}/parts/${encodeURIComponent(p.part)}`), { credentials: 'same-origin' });
        if (!res.ok) throw new Error(`cannot fetch attachment ${p.filename}`);
        const blob = await res.blob();
        return { filename: p.filename, type: p.type, data: await readBase64(blob), size: blob.size };
      }),
    )
      .then((list) => {
        if (live) setFiles((cur) => [...list, ...cur]);
      })
      .catch((err: unknown) => setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [init.forwardFrom]);

  const message = (): ComposeBody => ({
    to: parseAddressList(to),
    cc: parseAddressList(cc),
    bcc: parseAddressList(bcc),
    subject,
    text,
    ...(init.inReplyTo ? { inReplyTo: init.inReplyTo } : {}),
    ...(init.references?.length ? { references: [...init.references] } : {}),
    ...(files.length ? { attachments: files.map(({ filename, type, data }) => ({ filename, type, data })) } : {}),
  });
  const latest = useRef(message);
  latest.current = message;

  const saveDraft = (): Promise<void> => {
    if (draftsId === null) return Promise.resolve();
    const run = async (): Promise<void> => {
      dirty.current = false;
      setStatus('Saving draft…');
      try {
        const r = await post<{ uid: number }>('/api/drafts', { ...latest.current(), ...(draftUid.current !== undefined ? { replaces: draftUid.current } : {}) });
        draftUid.current = r.uid;
        setStatus(`Draft saved at ${new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`);
      } catch (err) {
        setStatus(`Draft not saved: ${errorText(err)}`);
      }
    };
    saving.current = saving.current.then(run);
    return saving.current;
  };

  // Autosave: a few seconds after the last keystroke.
  useEffect(() => {
    if (!dirty.current) return;
    const t = window.setTimeout(() => void saveDraft(), AUTOSAVE_MS);
    return () => window.clearTimeout(t);
    // saveDraft reads refs only; the fields are the triggers.
  }, [to, cc, bcc, subject, text, files]);

  const edit =
    <T,>(set: (v: T) => void) =>
    (v: T): void => {
      dirty.current = true;
      set(v);
    };

  const discardDraft = async (): Promise<void> => {
    await saving.current;
    const uid = draftUid.current;
    if (uid === undefined || draftsId === null) return;
    draftUid.current = undefined;
    // To Trash, then out of Trash for good (a sent or discarded draft is not worth keeping).
    const r = await post<{ moved?: [number, number][] }>(mailPath(draftsId, '/trash'), { uids: [uid] }).catch(() => null);
    const trashUid = r?.moved?.[0]?.[1];
    if (trashUid === undefined) return;
    const boxes = await get<{ id: number; role: string | null }[]>('/api/mailboxes').catch(() => []);
    const trash = boxes.find((b) => b.role === 'trash');
    if (trash) await post(mailPath(trash.id, '/trash'), { uids: [trashUid] }).catch(() => null);
  };

  const send = (e: FormEvent): void => {
    e.preventDefault();
    const msg = message();
    if (msg.to.length + (msg.cc?.length ?? 0) + (msg.bcc?.length ?? 0) === 0) {
      setError('Add at least one recipient.');
      return;
    }
    setBusy(true);
    setError(null);
    post<{ queued: number; delivered: number }>('/api/send', msg)
      .then(async () => {
        await discardDraft();
        onSent('Message sent.');
      })
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };

  const close = (): void => {
    if (dirty.current) void saveDraft();
    onClose();
  };

  return (
    <div className="compose-wrap" role="dialog" aria-modal="false" aria-labelledby="compose-title">
      <form
        className="compose card"
        onSubmit={send}
        onKeyDown={(e) => {
          if (e.key === 'Escape') close();
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send(e);
        }}
      >
        <div className="compose-head">
          <h2 id="compose-title">{subject || 'New message'}</h2>
          <button type="button" className="link-button" onClick={close} aria-label="Close (the draft is kept)">
            ✕
          </button>
        </div>
        <label className="field">
          <span>To</span>
          <input ref={first} name="to" value={to} onChange={(e) => edit(setTo)(e.target.value)} autoComplete="email" multiple />
          {!showCc && (
            <button type="button" className="link-button" onClick={() => setShowCc(true)}>
              Cc/Bcc
            </button>
          )}
        </label>
        {showCc && (
          <>
            <label className="field">
              <span>Cc</span>
              <input name="cc" value={cc} onChange={(e) => edit(setCc)(e.target.value)} />
            </label>
            <label className="field">
              <span>Bcc</span>
              <input name="bcc" value={bcc} onChange={(e) => edit(setBcc)(e.target.value)} />
            </label>
          </>
        )}
        <label className="field">
          <span>Subject</span>
          <input name="subject" value={subject} onChange={(e) => edit(setSubject)(e.target.value)} />
        </label>
        <label className="visually-hidden" htmlFor="compose-body">
          Message
        </label>
        <textarea id="compose-body" ref={body} name="text" value={text} onChange={(e) => edit(setText)(e.target.value)} rows={14} />
        {files.length > 0 && (
          <ul className="compose-files" aria-label="Attachments">
            {files.map((f, i) => (
              <li key={`${f.filename}-${i}`}>
                {f.filename} <span className="muted">{sizeText(f.size)}</span>{' '}
                <button type="button" className="link-button" aria-label={`Remove ${f.filename}`} onClick={() => edit(setFiles)(files.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </li>
            ))}
          </ul>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="compose-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Sending…' : 'Send'}
          </button>
          <label className="file-button">
            Attach files
            <input
              type="file"
              multiple
              name="attachments"
              onChange={(e) => {
                const list = Array.from(e.target.files ?? []);
                e.target.value = '';
                void Promise.all(list.map(async (f) => ({ filename: f.name, type: f.type || 'application/octet-stream', data: await readBase64(f), size: f.size })))
                  .then((added) => edit(setFiles)([...files, ...added]))
                  .catch((err: unknown) => setError(errorText(err)));
              }}
            />
          </label>
          <span className="muted compose-status" role="status">
            {status}
          </span>
          <button
            type="button"
            className="link-button discard"
            onClick={() => {
              dirty.current = false;
              void discardDraft().finally(onClose);
            }}
          >
            Discard
          </button>
        </div>
      </form>
    </div>
  );
}
