/**
 * The message list, virtualised: a spacer as tall as every row of the mailbox, and only the rows
 * in view (plus a few) in the DOM. Rows not loaded yet show a placeholder and ask for the next
 * page (the `before` cursor), so 100,000 messages cost what 30 rows cost.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Summary } from '../api.ts';
import { addrShort, shortDate } from '../format.ts';

export const ROW_HEIGHT = 58;
const OVERSCAN = 8;

export interface Row {
  readonly head: Summary;
  /** Messages in the conversation (1 outside the conversation view). */
  readonly count: number;
  readonly unseen: number;
}

interface Props {
  readonly rows: readonly Row[];
  /** Rows the list will have when everything is loaded (the scroll height). */
  readonly totalRows: number;
  readonly cursor: number;
  readonly openUid: number | null;
  readonly loading: boolean;
  readonly showRecipients: boolean;
  readonly onSelect: (index: number) => void;
  readonly onOpen: (index: number) => void;
  readonly onStar: (index: number) => void;
  /** More rows are wanted, up to row `last` (exclusive). */
  readonly onNeedMore: (last: number) => void;
}

export function MessageList(p: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);
  const marked = useRef(false);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight || 800);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 800));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(p.totalRows, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  // Ask for more while the view reaches rows not loaded yet (or close to them).
  const { onNeedMore } = p;
  useEffect(() => {
    if (!p.loading && last > p.rows.length - 20 && p.rows.length < p.totalRows) onNeedMore(last);
  }, [last, p.rows.length, p.totalRows, p.loading, onNeedMore]);

  // Keep the keyboard cursor in view.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const top = p.cursor * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [p.cursor]);

  // The first paint with rows: what bench/web measures (performance mark + data-ready).
  useLayoutEffect(() => {
    if (marked.current || p.loading) return;
    marked.current = true;
    performance.mark('inbox-first-row');
    document.documentElement.setAttribute('data-ready', 'inbox');
  }, [p.loading, p.rows.length]);

  const rows = [];
  for (let i = first; i < last; i++) {
    const r = p.rows[i];
    const style = { top: i * ROW_HEIGHT, height: ROW_HEIGHT };
    if (!r) {
      rows.push(
        <div key={`ph${i}`} className="row placeholder" style={style} aria-hidden="true">
          <span className="ph-bar" />
        </div>,
      );
      continue;
    }
    const m = r.head;
    const unread = r.unseen > 0;
    const flagged = m.flags.includes('\\Flagged');
    const who = p.showRecipients ? m.to : m.from;
    rows.push(
      <div
        key={m.uid}
        id={`msg-${m.uid}`}
        role="option"
        aria-selected={i === p.cursor}
        data-uid={m.uid}
        data-unread={unread ? 'true' : 'false'}
        data-flagged={flagged ? 'true' : 'false'}
        className={`row${unread ? ' unread' : ''}${i === p.cursor ? ' cursor' : ''}${m.uid === p.openUid ? ' open' : ''}`}
        style={style}
        onClick={() => p.onOpen(i)}
      >
        <button
          type="button"
          className={`star${flagged ? ' on' : ''}`}
          aria-label={flagged ? 'Unstar' : 'Star'}
          aria-pressed={flagged}
          tabIndex={-1}
          onClick={(e) => {
            e.stopPropagation();
            p.onStar(i);
          }}
        >
          {flagged ? '★' : '☆'}
        </button>
        <span className="from">
          {p.showRecipients ? 'To: ' : ''}
          {addrShort(who)}
          {r.count > 1 && <span className="thread-count"> {r.count}</span>}
        </span>
        <span className="date">{shortDate(m.date ?? m.internalDate)}</span>
        <span className="subject-line">
          <span className="subject">{m.subject || '(no subject)'}</span>
          <span className="preview"> — {m.preview}</span>
        </span>
        {m.hasAttachments && (
          <svg className="clip" viewBox="0 0 16 16" width="14" height="14" role="img" aria-label="has attachments">
            <path d="M10.5 4.5l-5 5a1.5 1.5 0 002 2l5.5-5.5a3 3 0 00-4-4L3.5 7.5a4.5 4.5 0 006 6l4-4" fill="none" stroke="currentColor" strokeWidth="1.3" />
          </svg>
        )}
      </div>,
    );
  }

  const cursorRow = p.rows[p.cursor];
  return (
    <div
      ref={box}
      className="list-scroll"
      role="listbox"
      aria-label="Messages"
      tabIndex={0}
      aria-activedescendant={cursorRow ? `msg-${cursorRow.head.uid}` : undefined}
      data-ready={!p.loading ? 'true' : 'false'}
      data-total={p.totalRows}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="list-spacer" style={{ height: p.totalRows * ROW_HEIGHT }}>
        {rows}
      </div>
      {!p.loading && p.totalRows === 0 && <div className="empty">No messages.</div>}
    </div>
  );
}
