/**
 * Preloaded into the postkontor server process by the IMAP and POP3 benches (`node --expose-gc
 * --import ./bench/shared/heap-probe.ts ...`): on SIGUSR2 it runs a full GC and writes process.memoryUsage()
 * as one JSON line to $PK_BENCH_PROBE. The server's own code is untouched.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.PK_BENCH_PROBE;
let seq = 0;
if (out) {
  process.on('SIGUSR2', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    seq++;
    writeFileSync(out, JSON.stringify({ seq, gc: gc !== undefined, ...process.memoryUsage() }) + '\n');
  });
}

// Diagnosis switch (BENCH_PK_NODELAY=1): turn Nagle off on every accepted socket, to show what the
// server's small writes cost with Nagle + delayed ACK (see docs/bench.md). Off by default.
if (process.env.BENCH_PK_NODELAY === '1') {
  const net = await import('node:net');
  const proto = net.Server.prototype as unknown as { emit: (event: string | symbol, ...args: unknown[]) => boolean };
  const emit = proto.emit;
  proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection') (args[0] as import('node:net').Socket).setNoDelay(true);
    return emit.call(this, event, ...args);
  };
}

// Diagnosis switch (BENCH_PK_AUTOCORK=1): cork each socket at its first write in a tick and uncork
// on the next tick, so that the many small writes of one response leave in one writev. Shows what
// coalescing the IMAP session's writes would gain (see docs/bench.md). Off by default.
if (process.env.BENCH_PK_AUTOCORK === '1') {
  const net = await import('node:net');
  const proto = net.Socket.prototype as unknown as { write: (...args: unknown[]) => boolean; __corked?: boolean };
  const write = proto.write;
  proto.write = function (this: import('node:net').Socket & { __corked?: boolean }, ...args: unknown[]): boolean {
    if (!this.__corked) {
      this.__corked = true;
      this.cork();
      process.nextTick(() => {
        this.__corked = false;
        this.uncork();
      });
    }
    return write.apply(this, args);
  };
}
