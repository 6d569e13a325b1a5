/**
 * A PostgreSQL cluster of a test's own (initdb in a temporary directory, its own port and socket
 * directory, trust auth), for fault tests that stop and start the server: the shared server on
 * 5432 serves the other tests and is never touched. initdb refuses to run as root, so as root
 * (the development and CI machines) the binaries run as the `postgres` user via runuser, on a
 * directory handed to that user.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const PG_LIB = '/usr/lib/postgresql';

/** The bin directory of the newest PostgreSQL installed the Debian way, or null. */
export function findPostgresBin(): string | null {
  if (!existsSync(PG_LIB)) return null;
  const versions = readdirSync(PG_LIB)
    .filter((v) => existsSync(join(PG_LIB, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(PG_LIB, versions[0]!, 'bin') : null;
}

async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly asPostgres: boolean,
  ) {}

  /** Why no cluster can be made here (no PostgreSQL binaries, root without a `postgres` user), or null. */
  static async unavailable(): Promise<string | null> {
    if (!findPostgresBin()) return `no initdb under ${PG_LIB}/*/bin (install postgresql)`;
    if (process.getuid?.() === 0 && !(await postgresUser())) return 'running as root and there is no postgres user to run initdb as';
    return null;
  }

  /** initdb on a fresh directory; returns the cluster (not started) or why it cannot be made here. */
  static async create(port: number): Promise<PrivatePostgres | string> {
    const reason = await PrivatePostgres.unavailable();
    if (reason !== null) return reason;
    const bin = findPostgresBin()!;
    const root = process.getuid?.() === 0;
    const user = root ? await postgresUser() : null;
    const dir = await mkdtemp(join(tmpdir(), 'pk-pgfault-'));
    if (user) await chown(dir, user.uid, user.gid);
    const cluster = new PrivatePostgres(bin, dir, port, root);
    await cluster.exec('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    return cluster;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** `postgres://postgres@127.0.0.1:PORT/<database>` */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** The server's own log (for failure messages). */
  get logFile(): string {
    return join(this.dir, 'server.log');
  }

  /** The last lines of the server's log, for failure messages. */
  logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-3000);
    } catch (err) {
      return `(no log: ${(err as Error).message})`;
    }
  }

  private async exec(tool: string, args: string[]): Promise<string> {
    const path = join(this.bin, tool);
    const [cmd, argv] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    try {
      const { stdout, stderr } = await run(cmd, argv, { timeout: 60_000 });
      return stdout + stderr;
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
    }
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-k ${this.dir} -c listen_addresses=127.0.0.1 -p ${this.port} -c fsync=on -c max_connections=60`;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', '-t', '30', 'start']);
  }

  /** `fast`: sessions are terminated (57P01), the server shuts down cleanly; `immediate`: like a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
    } finally {
      await client.end().catch(() => undefined);
    }
    return this.url(name);
  }

  /** Stops the server if it runs (immediately) and removes every file. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
