/**
 * IMAP wire-layer caps: how many bytes the receiver may hold for one command and how far it will
 * read past a refused literal. General limits (message size) come from core/limits.ts.
 */
import { LIMITS } from '../../../core/limits.ts';

/** Every size the IMAP framer and parser enforce, in octets unless named otherwise. */
export const IMAP_LIMITS = {
  /** Longest line segment of a command, and longest IDLE/AUTHENTICATE line (issue 3: 64 KB). */
  lineBytes: 64 * 1024,
  /** Largest literal of any command but APPEND (LOGIN passwords, SEARCH strings, names). */
  literalBytes: 64 * 1024,
  /** Largest APPEND literal: the APPENDLIMIT we announce (RFC 7889). */
  appendLiteralBytes: LIMITS.messageBytes,
  /** Largest non-synchronising literal under LITERAL- (RFC 7888 §4). */
  literalMinusBytes: 4096,
  /** All lines and literals of one non-APPEND command together. */
  commandBytes: 1024 * 1024,
  /** All lines and literals of one APPEND (MULTIAPPEND sends several messages in one command). */
  appendCommandBytes: LIMITS.messageBytes + 1024 * 1024,
  /**
   * A refused non-synchronising literal is read and thrown away (RFC 7888 §4) up to this size;
   * a bigger one makes the receiver give up on the connection (the session answers BYE).
   */
  skipLiteralBytes: 4 * LIMITS.messageBytes,
  /** Bytes held while the receiver waits for the session to switch mode (after IDLE, DONE...). */
  heldBytes: 1024 * 1024,
  /** Most literals in one command (each costs a part in the frame). */
  literalsPerCommand: 1000,
  /** Deepest nesting of parenthesised search keys and NOT/OR chains. */
  searchDepth: 64,
  /** Most ID parameter pairs (RFC 2971 §3.3: at most 30). */
  idPairs: 30,
} as const;
