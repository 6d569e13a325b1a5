/**
 * The SRS secret: 32 random bytes kept in `<data>/srs.secret` (mode 0600), made on first use.
 * Every node of a cluster must share it, so a bounce that arrives at any node reverses.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function loadSrsSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, 'srs.secret');
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (text.length >= 16) return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32).toString('hex');
  try {
    // 'wx': a second process creating it at the same moment loses, and reads the winner's.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readFile(path, 'utf8')).trim();
  }
}
