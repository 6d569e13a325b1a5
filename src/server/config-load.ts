/**
 * Reads the TOML config file. With the schema in core, the only place that touches it.
 * Relative certificate paths are resolved against the file's own directory.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { validateConfigFile, type ConfigFile } from '../core/config-schema.ts';
import { PkError } from '../core/errors.ts';

export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new PkError('PK_ERR_CONFIG', `cannot read config file ${path}: ${reason}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const e = err as Error & { line?: number; column?: number };
    const first = e.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'syntax error';
    const at = e.line !== undefined ? ` at line ${e.line}` : '';
    throw new PkError('PK_ERR_CONFIG', `${path}: invalid TOML${at}: ${first}`);
  }
  const file = validateConfigFile(doc, path);
  const base = dirname(resolve(path));
  if (file.tls) {
    if (file.tls.cert !== undefined) file.tls.cert = resolve(base, file.tls.cert);
    if (file.tls.key !== undefined) file.tls.key = resolve(base, file.tls.key);
  }
  return file;
}
