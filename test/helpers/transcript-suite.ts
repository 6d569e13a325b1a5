/**
 * The transcript test files' common body (test/transcripts/imap.test.ts, pop3.test.ts): every
 * `*.txt` of one directory against the real server, in every variant (line by line; 1-, 3- and
 * 17-byte writes; pipelined unless `pipeline: no`), each on a fresh server and store. A
 * transcript with `requires: CAP` is skipped while the server does not announce CAP. When the
 * protocol module is missing, one test fails saying so. `TRANSCRIPT=name` runs only the
 * transcripts whose file name contains `name`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { ProtocolFactory } from '../../src/server/protocol.ts';
import { loadImapProtocol, startImapTestServer, type ImapTestServer } from './imap-server.ts';
import { loadFixtures, probeCapabilities, runTranscript, VARIANTS } from './imap-runner.ts';
import { parseTranscript, type Transcript, type TranscriptProtocol } from './imap-transcript.ts';

export interface TranscriptSuite {
  readonly protocol: TranscriptProtocol;
  /** The directory of `*.txt` transcripts. */
  readonly dir: URL;
  /** Loads the protocol's ProtocolFactory; throws (with the reason) when the module is missing. */
  load(): Promise<ProtocolFactory>;
}

/** The server for one run: IMAP always (IMAP transcripts and `connection N imap` need it). */
async function startServer(protocol: TranscriptProtocol, factory: ProtocolFactory, t: Transcript): Promise<ImapTestServer> {
  const timeouts = t.idleTimeoutMs === undefined ? undefined : { imapIdleMs: t.idleTimeoutMs, pop3IdleMs: t.idleTimeoutMs };
  if (protocol === 'imap') return startImapTestServer({ protocol: factory, timeouts });
  return startImapTestServer({ also: { [protocol]: factory }, timeouts });
}

/** Declares the suite's tests (call at the top level of a test file). */
export async function transcriptSuite(suite: TranscriptSuite): Promise<void> {
  const { protocol: name, dir } = suite;
  const only = process.env.TRANSCRIPT;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .filter((f) => !only || f.includes(only))
    .sort();

  let protocol: ProtocolFactory | null = null;
  let missing: Error | null = null;
  try {
    protocol = await suite.load();
    // Everything else runs beside IMAP; a missing IMAP module is this suite's failure too.
    if (name !== 'imap') await loadImapProtocol();
  } catch (err) {
    missing = err as Error;
  }

  test(`the ${name.toUpperCase()} server module loads`, () => {
    if (missing) throw missing;
  });

  test('there are transcripts', () => {
    if (files.length === 0 && !only) throw new Error(`no transcripts in ${dir.pathname}`);
  });

  for (const file of files) {
    const title = `${name}/${file}`;
    let transcript: Transcript | null = null;
    let syntax: Error | null = null;
    try {
      transcript = parseTranscript(title, readFileSync(new URL(file, dir), 'utf8'), name);
    } catch (err) {
      syntax = err as Error;
    }
    describe(title, { concurrency: false }, () => {
      if (syntax || !transcript) {
        test('parses', () => {
          throw syntax ?? new Error('unparsable');
        });
        return;
      }
      if (!protocol) return;
      const t = transcript;
      const factory = protocol;
      for (const variant of VARIANTS) {
        if (variant.pipelined && !t.pipeline) continue;
        test(variant.name, async (ctx) => {
          const server = await startServer(name, factory, t);
          try {
            const port = server.ports[name]!;
            await loadFixtures(server.store, t);
            if (t.requires.length) {
              const caps = await probeCapabilities(port, t);
              const lacking = t.requires.filter((c) => !caps.has(c.toUpperCase()));
              if (lacking.length) {
                ctx.skip(`server does not announce ${lacking.join(' ')}`);
                return;
              }
            }
            const ports = { imap: server.ports.imap, pop3: server.ports.pop3 };
            await runTranscript(t, { port, ports, variant });
          } finally {
            await server.close();
          }
        });
      }
    });
  }
}
