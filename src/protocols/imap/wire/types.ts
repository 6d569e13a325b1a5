/**
 * The typed IMAP commands the wire parser produces and the session dispatches. Pure data: the
 * parser (parse-command.ts) turns a complete command (line plus literals) into one `Command`,
 * or throws a `WireError`. Names follow RFC 3501 / RFC 9051 and the extension RFCs cited.
 */

/** One range of a sequence set; `Infinity` stands for `*` (resolved against the mailbox later). */
export interface SeqRange {
  readonly from: number;
  readonly to: number;
}

/** RFC 3501 §9 sequence-set, or `$` (RFC 5182 SEARCHRES: the saved search result). */
export type SequenceSet =
  | { readonly kind: 'set'; readonly ranges: readonly SeqRange[] }
  | { readonly kind: 'saved' };

/** BODY[section] specifier (RFC 3501 §6.4.5). `part` is [] for the whole message. */
export interface Section {
  readonly part: readonly number[];
  readonly text?: 'HEADER' | 'TEXT' | 'MIME' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT';
  /** Field names as the client sent them (the response label repeats them). */
  readonly fields?: readonly string[];
}

export interface Partial {
  readonly start: number;
  readonly length: number;
}

export type FetchAtt =
  | { readonly kind: 'ENVELOPE' }
  | { readonly kind: 'FLAGS' }
  | { readonly kind: 'INTERNALDATE' }
  | { readonly kind: 'RFC822.SIZE' }
  | { readonly kind: 'UID' }
  | { readonly kind: 'BODYSTRUCTURE' }
  /** BODY without a section: the non-extensible BODYSTRUCTURE. */
  | { readonly kind: 'BODY' }
  | { readonly kind: 'RFC822' }
  | { readonly kind: 'RFC822.HEADER' }
  | { readonly kind: 'RFC822.TEXT' }
  | { readonly kind: 'BODY[]'; readonly peek: boolean; readonly section: Section; readonly partial?: Partial }
  /** RFC 3516 BINARY[part]<partial> and BINARY.PEEK. */
  | { readonly kind: 'BINARY'; readonly peek: boolean; readonly part: readonly number[]; readonly partial?: Partial }
  | { readonly kind: 'BINARY.SIZE'; readonly part: readonly number[] }
  /** RFC 7162 CONDSTORE. */
  | { readonly kind: 'MODSEQ' }
  /** RFC 8474 OBJECTID. */
  | { readonly kind: 'EMAILID' }
  | { readonly kind: 'THREADID' }
  /** RFC 8514 SAVEDATE. */
  | { readonly kind: 'SAVEDATE' }
  /** RFC 8970 PREVIEW (with the LAZY modifier or not). */
  | { readonly kind: 'PREVIEW'; readonly lazy: boolean };

export type SearchKey =
  | { readonly op: 'all' }
  | { readonly op: 'seq'; readonly set: SequenceSet }
  | { readonly op: 'uid'; readonly set: SequenceSet }
  /** System flag or keyword set (`not: true` for UNSEEN, UNKEYWORD, ...). */
  | { readonly op: 'flag'; readonly flag: string; readonly not: boolean }
  | { readonly op: 'recent' | 'new' | 'old' }
  /** FROM, TO, CC, BCC, SUBJECT and HEADER name value. */
  | { readonly op: 'header'; readonly field: string; readonly value: string }
  | { readonly op: 'body' | 'text'; readonly value: string }
  /** BEFORE/ON/SINCE (internal date), SENTBEFORE/SENTON/SENTSINCE, SAVEDBEFORE... (RFC 8514). Date as YYYY-MM-DD. */
  | {
      readonly op: 'date';
      readonly field: 'internal' | 'sent' | 'saved';
      readonly cmp: 'before' | 'on' | 'since';
      readonly date: string;
    }
  | { readonly op: 'larger' | 'smaller'; readonly size: number }
  /** RFC 5032 WITHIN: OLDER / YOUNGER interval in seconds. */
  | { readonly op: 'older' | 'younger'; readonly seconds: number }
  /** RFC 7162 MODSEQ (the optional entry name and type are parsed and ignored, §3.1.5). */
  | { readonly op: 'modseq'; readonly modseq: number }
  /** RFC 8474. */
  | { readonly op: 'emailid' | 'threadid'; readonly id: string }
  /** RFC 8514 SAVEDATESUPPORTED. */
  | { readonly op: 'savedatesupported' }
  | { readonly op: 'not'; readonly key: SearchKey }
  | { readonly op: 'or'; readonly a: SearchKey; readonly b: SearchKey }
  | { readonly op: 'and'; readonly keys: readonly SearchKey[] };

/** RFC 4731 ESEARCH RETURN options and RFC 5182 SAVE. Absent: a classic SEARCH answer. */
export type SearchReturn = readonly ('MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE')[];

export type StatusItem =
  | 'MESSAGES'
  | 'RECENT'
  | 'UIDNEXT'
  | 'UIDVALIDITY'
  | 'UNSEEN'
  | 'DELETED'
  | 'SIZE'
  | 'HIGHESTMODSEQ'
  | 'APPENDLIMIT'
  | 'MAILBOXID';

export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

export interface SortCriterion {
  readonly key: SortKey;
  readonly reverse: boolean;
}

/** One message of an APPEND (MULTIAPPEND sends several). */
export interface AppendMessage {
  readonly flags: readonly string[];
  /** INTERNALDATE in ms since the epoch, when the client gave one. */
  readonly date?: number;
  readonly data: Buffer;
  /** The client used `~{n}` (UTF8=ACCEPT, RFC 6855) or BINARY literal8 (RFC 3516). */
  readonly utf8?: boolean;
  /** A bare literal8 `~{n}` (RFC 3516 §4.4: the content may be binary), not inside `UTF8 (...)`. */
  readonly binary?: boolean;
}

/**
 * Mailbox names arrive decoded: modified UTF-7 (RFC 3501 §5.1.3) turned into Unicode unless the
 * session has UTF8=ACCEPT enabled, in which case they are taken as UTF-8. The parser gets this
 * choice through `ParseOptions.utf8`.
 */
export type Command = { readonly tag: string } & (
  | { readonly name: 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'IDLE' | 'NAMESPACE' }
  | { readonly name: 'LOGIN'; readonly user: string; readonly password: string }
  | { readonly name: 'AUTHENTICATE'; readonly mechanism: string; readonly initialResponse?: string }
  | { readonly name: 'ENABLE'; readonly capabilities: readonly string[] }
  | { readonly name: 'ID'; readonly params: Readonly<Record<string, string | null>> | null }
  | {
      readonly name: 'SELECT' | 'EXAMINE';
      readonly mailbox: string;
      /** RFC 7162: (CONDSTORE) or (QRESYNC (uidvalidity modseq [known-uids [seq-match]])). */
      readonly condstore: boolean;
      readonly qresync?: {
        readonly uidValidity: number;
        readonly modseq: number;
        readonly knownUids?: SequenceSet;
        readonly seqMatch?: { readonly seqs: SequenceSet; readonly uids: SequenceSet };
      };
    }
  | { readonly name: 'CREATE'; readonly mailbox: string; readonly specialUse?: readonly string[] }
  | { readonly name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'; readonly mailbox: string }
  | { readonly name: 'RENAME'; readonly from: string; readonly to: string }
  | {
      readonly name: 'LIST';
      readonly reference: string;
      readonly patterns: readonly string[];
      /** RFC 5258 selection options (SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE). */
      readonly select: readonly string[];
      /** RFC 5258 / 5819 / 6154 return options. */
      readonly return: {
        readonly subscribed: boolean;
        readonly children: boolean;
        readonly specialUse: boolean;
        readonly status?: readonly StatusItem[];
      };
      /** True for the plain RFC 3501 form (no selection or return options given). */
      readonly basic: boolean;
    }
  | { readonly name: 'LSUB'; readonly reference: string; readonly pattern: string }
  | { readonly name: 'STATUS'; readonly mailbox: string; readonly items: readonly StatusItem[] }
  | { readonly name: 'APPEND'; readonly mailbox: string; readonly messages: readonly AppendMessage[] }
  | { readonly name: 'EXPUNGE' }
  | { readonly name: 'UID EXPUNGE'; readonly set: SequenceSet }
  | {
      readonly name: 'SEARCH';
      readonly uid: boolean;
      readonly charset?: string;
      readonly key: SearchKey;
      readonly return?: SearchReturn;
    }
  | {
      readonly name: 'FETCH';
      readonly uid: boolean;
      readonly set: SequenceSet;
      readonly atts: readonly FetchAtt[];
      /** RFC 7162 CHANGEDSINCE and QRESYNC VANISHED modifiers. */
      readonly changedSince?: number;
      readonly vanished: boolean;
    }
  | {
      readonly name: 'STORE';
      readonly uid: boolean;
      readonly set: SequenceSet;
      readonly mode: 'set' | 'add' | 'remove';
      readonly silent: boolean;
      readonly flags: readonly string[];
      readonly unchangedSince?: number;
    }
  | { readonly name: 'COPY' | 'MOVE'; readonly uid: boolean; readonly set: SequenceSet; readonly mailbox: string }
  | {
      readonly name: 'SORT';
      readonly uid: boolean;
      readonly criteria: readonly SortCriterion[];
      readonly charset: string;
      readonly key: SearchKey;
      readonly return?: SearchReturn;
    }
  | {
      readonly name: 'THREAD';
      readonly uid: boolean;
      readonly algorithm: 'REFERENCES' | 'ORDEREDSUBJECT';
      readonly charset: string;
      readonly key: SearchKey;
    }
  | { readonly name: 'GETQUOTA'; readonly root: string }
  | { readonly name: 'GETQUOTAROOT'; readonly mailbox: string }
  | { readonly name: 'SETQUOTA'; readonly root: string; readonly limits: Readonly<Record<string, number>> }
  | { readonly name: 'COMPRESS'; readonly mechanism: string }
);

export type CommandName = Command['name'];

/** A parse failure: answered `BAD` (or `NO` with a code), tagged when the tag was readable. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly tag: string | null,
    /** An RFC 5530 response code, e.g. PARSE, TOOBIG, LIMIT, BADCHARSET. */
    readonly code?: string,
    /** Answer NO rather than BAD (e.g. [TOOBIG] for an over-long literal under APPENDLIMIT). */
    readonly no = false,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

export interface ParseOptions {
  /** UTF8=ACCEPT is enabled: mailbox names are UTF-8, not modified UTF-7. */
  readonly utf8: boolean;
}
