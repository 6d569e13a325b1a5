/**
 * Large message bodies live as content-addressed files under `<data>/blobs/ab/cd/<sha256>`.
 * A file is written to a temporary name, fsync'd, renamed into place and its directory fsync'd
 * before the row that references it commits: a crash can leave an unreferenced file (removed by
 * `sweepOrphans` at start-up), never a row without its bytes.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BlobReader } from '../ports.ts';

export class BlobFiles {
  constructor(readonly root: string) {}

  path(hash: string): string {
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async exists(hash: string): Promise<boolean> {
    try {
      await stat(this.path(hash));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes the bytes durably (idempotent: the name is the content). */
  async writeDurable(hash: string, bytes: Uint8Array): Promise<void> {
    const final = this.path(hash);
    if (await this.exists(hash)) return;
    const dir = join(this.root, hash.slice(0, 2), hash.slice(2, 4));
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    await syncDir(dir);
  }

  async remove(hash: string): Promise<void> {
    await unlink(this.path(hash)).catch(() => undefined);
  }

  reader(hash: string, size: number): BlobReader {
    const path = this.path(hash);
    return {
      size,
      async read(start = 0, end = size) {
        const [s, e] = clamp(start, end, size);
        const fh = await open(path, 'r');
        try {
          const buf = Buffer.alloc(e - s);
          let off = 0;
          while (off < buf.length) {
            const { bytesRead } = await fh.read(buf, off, buf.length - off, s + off);
            if (bytesRead === 0) break;
            off += bytesRead;
          }
          return buf.subarray(0, off);
        } finally {
          await fh.close();
        }
      },
      stream(start = 0, end = size) {
        const [s, e] = clamp(start, end, size);
        if (e <= s) return Readable.from([]);
        return createReadStream(path, { start: s, end: e - 1 });
      },
    };
  }

  /**
   * Removes files no row references and temporary files left by a crash. Files younger than
   * `minAgeMs` are left alone: another process may be about to commit the row that uses them.
   */
  async sweepOrphans(isReferenced: (hash: string) => Promise<boolean>, now: number, minAgeMs = 10 * 60_000): Promise<number> {
    let removed = 0;
    for (const a of await readdirSafe(this.root)) {
      for (const b of await readdirSafe(join(this.root, a))) {
        const dir = join(this.root, a, b);
        for (const name of await readdirSafe(dir)) {
          const st = await stat(join(dir, name)).catch(() => null);
          if (!st || now - st.mtimeMs < minAgeMs) continue;
          if (name.startsWith('.tmp-') || !(await isReferenced(name))) {
            await rm(join(dir, name), { force: true });
            removed++;
          }
        }
      }
    }
    return removed;
  }
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function clamp(start: number, end: number, size: number): [number, number] {
  const s = Math.max(0, Math.min(start, size));
  const e = Math.max(s, Math.min(end, size));
  return [s, e];
}
