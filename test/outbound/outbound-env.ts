/** A store with local domain a.test (alice@a.test) and an outbound worker on a fake clock. */
import { fixedClock, type Clock } from '../../src/core/clock.ts';
import type { ServerConfig } from '../../src/core/config-schema.ts';
import { createLogger } from '../../src/core/log.ts';
import { startOutbound, type OutboundDeps, type RunningOutbound } from '../../src/delivery/outbound/index.ts';
import type { Store } from '../../src/store/ports.ts';
import type { Account } from '../../src/store/types.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { openTestStore } from '../helpers/test-store.ts';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const silentLog = createLogger({ level: 'silent' });

export interface OutboundEnv {
  readonly dataDir: string;
  store: Store;
  readonly clock: Clock & { advance(ms: number): void };
  readonly alice: Account;
  running: RunningOutbound;
  /** Stops the worker and closes the store, then opens both again on the same data dir. */
  restart(overrides?: Partial<OutboundDeps>): Promise<void>;
  inbox(): Promise<Buffer[]>;
  close(): Promise<void>;
}

export function message(subject: string, from = 'Alice <alice@a.test>', to = 'bob@b.test'): Buffer {
  return Buffer.from(
    [
      `From: ${from}`,
      `To: ${to}`,
      `Subject: ${subject}`,
      'Date: Mon, 05 Jan 2026 09:00:00 +0000',
      `Message-ID: <${subject.replace(/\W/g, '')}@a.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Body of ${subject}.`,
      '',
    ].join('\r\n'),
  );
}

export function outboundConfig(outbound: Partial<ServerConfig['outbound']> = {}): Pick<ServerConfig, 'hostname' | 'outbound'> {
  return { hostname: 'mx.a.test', outbound: { transport: {}, ...outbound } };
}

export async function outboundEnv(deps: Partial<OutboundDeps> = {}, opts: { realClock?: boolean } = {}): Promise<OutboundEnv> {
  const dir = tempDir('pk-outbound-');
  const fake = fixedClock(T0);
  const clock = opts.realClock ? { now: () => Date.now(), advance: () => undefined } : fake;
  // SQLite in the data dir, or a fresh PostgreSQL database under PK_TEST_STORE=postgres.
  const testStore = await openTestStore({ dataDir: dir.path, clock });
  const { store } = testStore;
  await store.domains.add('a.test');
  const alice = await store.accounts.create({ address: 'alice@a.test', passwordHash: 'x' });
  const start = (s: Store, d: Partial<OutboundDeps>): RunningOutbound =>
    startOutbound({
      store: s,
      config: outboundConfig(),
      log: silentLog,
      clock,
      autoStart: false,
      resolveMx: () => Promise.reject(Object.assign(new Error('no DNS in tests'), { code: 'ENOTFOUND' })),
      smtpTimeouts: { connectMs: 2000, socketMs: 5000 },
      srsSecret: 'test-srs-secret',
      ...d,
    });
  const env: OutboundEnv = {
    dataDir: dir.path,
    store,
    clock,
    alice,
    running: start(store, deps),
    async restart(overrides = {}) {
      await env.running.stop();
      env.store = await testStore.reopen();
      env.running = start(env.store, { ...deps, ...overrides });
    },
    async inbox() {
      const box = (await env.store.mailboxes.get(alice.id, 'INBOX'))!;
      const metas = await env.store.messages.list(box.id);
      return Promise.all(metas.map(async (m) => (await env.store.messages.open(m.blobHash)).read()));
    },
    async close() {
      await env.running.stop();
      await testStore.dispose();
      dir.remove();
    },
  };
  return env;
}
