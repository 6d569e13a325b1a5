/**
 * The entry of a worker-pool thread (worker-pool.ts): runs the named task functions, and relays
 * their calls of main-thread services. Task modules load on first use and stay loaded.
 */
import { parentPort } from 'node:worker_threads';
import { fromWireError, toWireError, type CallMain, type FromWorker, type ToWorker } from './worker-pool.ts';

type TaskFn = (arg: unknown, callMain: CallMain) => Promise<unknown>;

if (!parentPort) throw new Error('pool-worker.ts runs only as a worker thread');
const port = parentPort;

const modules = new Map<string, Promise<Record<string, unknown>>>();
const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
let nextCall = 1;

const callMain: CallMain = (svc, ...args) =>
  new Promise((resolve, reject) => {
    const id = nextCall++;
    calls.set(id, { resolve, reject });
    port.postMessage({ t: 'call', id, svc, args } satisfies FromWorker);
  });

function loaded(mod: string): Promise<Record<string, unknown>> {
  let m = modules.get(mod);
  if (!m) {
    m = import(mod) as Promise<Record<string, unknown>>;
    modules.set(mod, m);
  }
  return m;
}

async function load(mod: string): Promise<void> {
  try {
    await loaded(mod);
    port.postMessage({ t: 'loaded', mod } satisfies FromWorker);
  } catch {
    // Never reported as loaded: its tasks keep running in the main thread.
  }
}

async function run(id: number, mod: string, fn: string, arg: unknown): Promise<void> {
  let reply: FromWorker;
  try {
    const task = (await loaded(mod))[fn];
    if (typeof task !== 'function') throw new Error(`${mod} has no task ${fn}`);
    reply = { t: 'done', id, ok: true, value: await (task as TaskFn)(arg, callMain) };
  } catch (err) {
    reply = { t: 'done', id, ok: false, error: toWireError(err) };
  }
  port.postMessage(reply);
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'run') {
    void run(m.id, m.mod, m.fn, m.arg);
    return;
  }
  if (m.t === 'load') {
    void load(m.mod);
    return;
  }
  const call = calls.get(m.id);
  if (!call) return;
  calls.delete(m.id);
  if (m.ok) call.resolve(m.value);
  else call.reject(fromWireError(m.error));
});
