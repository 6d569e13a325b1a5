/** What a benchmark needs from a running server (IMAP or POP3), whichever server it is. */
export interface ServerMemory {
  /** Resident memory: of the one process (postkontor) or summed over the process tree (Dovecot). */
  readonly rss: number;
  /** Proportional set size over the process tree (shared pages split); equals rss for one process. */
  readonly pss: number;
  readonly processes: number;
  /** V8 heap in use after a forced full GC (postkontor only). */
  readonly heapUsed?: number;
}

export interface ServerTarget {
  readonly name: string;
  readonly port: number;
  memory(): Promise<ServerMemory>;
  stop(): Promise<void>;
}
