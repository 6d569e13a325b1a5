/**
 * `npm run bench`: runs every benchmark and prints the figures with their targets. Machines here
 * are shared and noisy: run it twice before believing a regression.
 * Options (env): BENCH_APPENDS (default 10000), BENCH_LIST (default 100000).
 */
import { benchStore } from './store.ts';

const appends = Number(process.env.BENCH_APPENDS ?? 10_000);
const listSize = Number(process.env.BENCH_LIST ?? 100_000);

console.log(`postkontor bench — node ${process.version}, ${new Date().toISOString()}`);
const r = await benchStore({ appends, listSize });
const row = (name: string, value: string, target: string, ok: boolean) =>
  console.log(`${name.padEnd(48)} ${value.padStart(14)}   target ${target.padEnd(12)} ${ok ? 'ok' : 'MISSED'}`);
row(`store: durable appends/s (16 writers, 5 KB, n=${appends})`, r.appendsPerSecond.toFixed(0), '>= 2000', r.appendsPerSecond >= 2000);
row(`store: append throughput MB/s`, r.appendMBps.toFixed(1), '-', true);
row(`store: list UIDs+flags of ${r.listCount} msgs (median ms)`, r.listMs.median.toFixed(1), '< 150 ms', r.listMs.median < 150);
console.log(`  (list min ${r.listMs.min.toFixed(1)} ms, max ${r.listMs.max.toFixed(1)} ms over 7 runs)`);
