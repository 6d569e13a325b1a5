/**
 * A small pool of worker threads for the CPU work of accepting a message that needs neither the
 * socket nor the database: MIME indexing, search-text derivation, SPF/DKIM/DMARC/ARC verification.
 * The event loop then does the protocol and the SQL only, and a second core does the rest
 * (bench/smtp: about half of the CPU per message was such work).
 *
 * A task names a module and one of its exported functions (`(arg, callMain) => Promise<result>`);
 * arguments and results cross by structured clone. A task may call back into the main thread
 * through services registered here (the SMTP verification asks the main thread's DNS function,
 * which tests replace, over the same channel). Workers hold no reference on the event loop while
 * idle, so the pool never keeps a process alive; the first task starts them.
 *
 * Every caller keeps an in-thread path: `runOnPool` rejects with PoolUnavailable when the pool is
 * off (PK_WORKER_THREADS=0), a worker died, or no thread has loaded the task's module yet (loading
 * takes a few hundred ms: the first messages after start-up do not wait for it), and the caller
 * then does the work itself.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Messages smaller than this are verified and indexed in the calling thread: handing one to a
 * pool thread (structured clone there and back, waking the thread) costs about what the work on
 * a 10 KB message costs, so below this size the pool only adds CPU (bench/smtp: 25-30 % more per
 * message). Larger ones go to the pool, so a big message never holds the event loop for long.
 */
export const POOL_MIN_BYTES = 64 * 1024;

/** A main-thread function a worker may call (arguments and result are structured-cloned). */
export type MainService = (...args: unknown[]) => Promise<unknown>;

/** What a task function in a worker gets to call main-thread services with. */
export type CallMain = (service: string, ...args: unknown[]) => Promise<unknown>;

/** The pool cannot run the task (off, or its worker died): do the work in this thread. */
export class PoolUnavailable extends Error {}

/**
 * The answer while the pool is off or still loading: one instance, because every message would
 * otherwise pay for a fresh Error's stack trace (SMTP front-end processes run with the pool off).
 */
const OFF = new PoolUnavailable('worker threads are off');
const LOADING = new PoolUnavailable('worker threads still loading');

/** An error crossing the thread boundary: its message and Node-style code survive. */
export interface WireError {
  readonly message: string;
  readonly code?: string | undefined;
}

export type ToWorker =
  | { readonly t: 'load'; readonly mod: string }
  | { readonly t: 'run'; readonly id: number; readonly mod: string; readonly fn: string; readonly arg: unknown }
  | { readonly t: 'ret'; readonly id: number; readonly ok: boolean; readonly value?: unknown; readonly error?: WireError };

export type FromWorker =
  | { readonly t: 'loaded'; readonly mod: string }
  | { readonly t: 'done'; readonly id: number; readonly ok: boolean; readonly value?: unknown; readonly error?: WireError }
  | { readonly t: 'call'; readonly id: number; readonly svc: string; readonly args: unknown[] };

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(err) };
}

export function fromWireError(e: WireError | undefined): Error {
  const err = new Error(e?.message ?? 'worker task failed');
  if (e?.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}

const services = new Map<string, MainService>();

/** Makes `fn` callable from worker tasks as `callMain(name, ...)`. */
export function registerMainService(name: string, fn: MainService): void {
  services.set(name, fn);
}

interface Task {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

class PoolWorker {
  readonly tasks = new Map<number, Task>();
  /** Task modules this thread has loaded, and those asked for. */
  readonly loaded = new Set<string>();
  private readonly asked = new Set<string>();
  dead = false;
  private readonly worker: Worker;

  constructor(private readonly onDeath: () => void) {
    const entry = new URL('./pool-worker.ts', import.meta.url).href;
    // tsx's loader hooks do not reach a worker's entry module on Node 20: register them first
    // (resolved here: an eval'd worker would resolve the name from the working directory).
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    this.worker = new Worker(boot, { eval: true, stdout: false, stderr: false });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => this.die(err));
    this.worker.on('exit', (code) => this.die(new Error(`worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  /** Has the thread load `mod` (once); tasks of it go elsewhere until it has. */
  load(mod: string): void {
    if (this.asked.has(mod)) return;
    this.asked.add(mod);
    this.worker.postMessage({ t: 'load', mod } satisfies ToWorker);
  }

  run(id: number, mod: string, fn: string, arg: unknown, task: Task): void {
    if (this.tasks.size === 0) this.worker.ref();
    this.tasks.set(id, task);
    this.worker.postMessage({ t: 'run', id, mod, fn, arg } satisfies ToWorker);
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'call') {
      void this.serve(m.id, m.svc, m.args);
      return;
    }
    if (m.t === 'loaded') {
      this.loaded.add(m.mod);
      return;
    }
    const task = this.tasks.get(m.id);
    if (!task) return;
    this.tasks.delete(m.id);
    if (this.tasks.size === 0) this.worker.unref();
    if (m.ok) task.resolve(m.value);
    else task.reject(fromWireError(m.error));
  }

  private async serve(id: number, svc: string, args: unknown[]): Promise<void> {
    let reply: ToWorker;
    try {
      const fn = services.get(svc);
      if (!fn) throw new Error(`no main-thread service ${svc}`);
      reply = { t: 'ret', id, ok: true, value: await fn(...args) };
    } catch (err) {
      reply = { t: 'ret', id, ok: false, error: toWireError(err) };
    }
    if (!this.dead) this.worker.postMessage(reply);
  }

  private die(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.worker.unref();
    const error = new PoolUnavailable(`worker thread failed: ${(err as Error).message}`, { cause: err });
    for (const t of this.tasks.values()) t.reject(error);
    this.tasks.clear();
    this.onDeath();
  }
}

class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.workers.push(new PoolWorker(() => this.prune()));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Threads start loading `mod` now. */
  load(mod: string): void {
    for (const w of this.workers) w.load(mod);
  }

  run(mod: string, fn: string, arg: unknown): Promise<unknown> {
    let best: PoolWorker | undefined;
    for (const w of this.workers) {
      if (w.loaded.has(mod) && (!best || w.tasks.size < best.tasks.size)) best = w;
    }
    if (!best) {
      this.load(mod);
      return Promise.reject(this.workers.length ? LOADING : OFF);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => best.run(id, mod, fn, arg, { resolve, reject }));
  }

  private prune(): void {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i]!.dead) this.workers.splice(i, 1);
  }
}

let pool: WorkerPool | null | undefined;

/** Threads in the pool: PK_WORKER_THREADS if set (0 turns the pool off), else the cores, 1 to 4. */
function poolSize(): number {
  const env = process.env.PK_WORKER_THREADS;
  if (env !== undefined && env !== '') return Math.max(0, Math.min(16, Number(env) || 0));
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Starts the pool's threads now, loading these task modules (file URLs), e.g. when a listener
 * opens: until a thread has loaded a module, its tasks run in the caller's thread.
 */
export function warmWorkerPool(modules: readonly string[] = []): void {
  if (pool === undefined) pool = poolSize() > 0 ? new WorkerPool(poolSize()) : null;
  for (const mod of modules) pool?.load(mod);
}

/**
 * Runs `fn` of module `mod` (a file URL) on a pool thread. Rejects with PoolUnavailable when the
 * pool cannot (the caller does the work itself); otherwise with the task's own error.
 */
export function runOnPool(mod: string, fn: string, arg: unknown): Promise<unknown> {
  warmWorkerPool();
  if (!pool || pool.size === 0) return Promise.reject(OFF);
  return pool.run(mod, fn, arg);
}
