/**
 * `postkontor serve` as a child process for end-to-end tests: started on a data dir and config
 * file with the listeners given ports (every other listener off), ready once it prints its
 * startup screen; stopped with SIGTERM (SIGKILL after 10 s) or killed outright. Its log (JSON
 * lines on stderr) is kept for failure messages.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { LISTENER_NAMES, type ListenerName } from '../../src/core/config-defaults.ts';
import { spawnCli } from '../cli/run-cli.ts';

export class ServeProcess {
  #child: ChildProcess | null = null;
  #exit: Promise<number | null> | null = null;
  #stderr = '';
  /** The exit code once the process ended on its own or was stopped; undefined while it runs. */
  exited: number | null | undefined = undefined;

  constructor(
    /** Names the process in failure messages. */
    readonly label: string,
    readonly dataDir: string,
    readonly configPath: string,
    readonly ports: Readonly<Partial<Record<ListenerName, number>>>,
  ) {}

  /** The server process's pid while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The last part of the server's log. */
  get log(): string {
    return this.#stderr.slice(-6000);
  }

  async start(): Promise<void> {
    assert.equal(this.#child, null, `${this.label} is already running`);
    const flags = LISTENER_NAMES.flatMap((name) => [`--${name}-port`, String(this.ports[name] ?? 0)]);
    const child = spawnCli(['serve', '--data', this.dataDir, '--config', this.configPath, ...flags]);
    this.#child = child;
    this.exited = undefined;
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.#stderr = (this.#stderr + d).slice(-200_000)));
    this.#exit = new Promise((resolve) =>
      child.on('close', (code) => {
        this.exited = code;
        resolve(code);
      }),
    );
    let stdout = '';
    const ready = new Promise<boolean>((resolve) => {
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (stdout.includes('ready; Ctrl-C stops the server')) resolve(true);
      });
    });
    if (!(await Promise.race([ready, this.#exit.then(() => false)]))) {
      this.#child = null;
      assert.fail(`${this.label} did not start:\n${stdout}\n${this.#stderr}`);
    }
  }

  /** SIGKILL: no shutdown of any kind. */
  async kill(): Promise<void> {
    this.#child?.kill('SIGKILL');
    await this.#exit;
    this.#child = null;
  }

  /** SIGTERM, SIGKILL after 10 s; the exit code (undefined if it was not running). */
  async stop(): Promise<number | null | undefined> {
    const child = this.#child;
    if (!child) return undefined;
    this.#child = null;
    if (this.exited !== undefined) return this.exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await this.#exit;
    clearTimeout(timer);
    return code;
  }
}
