/**
 * The server's certificate: the configured files, or a self-signed certificate made once under
 * `<data>/tls/` (key mode 0600) and reused until it expires. Every failure is one PkError line.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { generate } from 'selfsigned';
import { PkError } from '../core/errors.ts';

export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly secureContext: SecureContext;
  readonly certPath: string;
  /** How the certificate came to be: `configured`, `self-signed (created now)`, `self-signed`. */
  readonly origin: 'configured' | 'self-signed-created' | 'self-signed';
  /** SHA-256 fingerprint, for people comparing what their client shows. */
  readonly fingerprint: string;
  readonly validTo: string;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
};

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const reason = ERRNO_TEXT[code] ?? (err as Error).message;
    throw new PkError('PK_ERR_CONFIG', `cannot read TLS ${what} ${path}: ${reason}`);
  }
}

function material(
  key: Buffer,
  cert: Buffer,
  certPath: string,
  keyPath: string,
  origin: TlsMaterial['origin'],
): TlsMaterial {
  let secureContext: SecureContext;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    secureContext = createSecureContext({ key, cert });
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new PkError(
      'PK_ERR_CONFIG',
      `invalid TLS certificate or key (${certPath}, ${keyPath}): ${reason}`,
    );
  }
  return {
    key,
    cert,
    secureContext,
    certPath,
    origin,
    fingerprint: x509.fingerprint256,
    validTo: x509.validTo,
  };
}

export async function loadTls(opts: {
  dataDir: string;
  hostname: string;
  cert?: string;
  key?: string;
  now?: number;
}): Promise<TlsMaterial> {
  if (opts.cert !== undefined && opts.key !== undefined) {
    const cert = await readPem(opts.cert, 'certificate');
    const key = await readPem(opts.key, 'key');
    return material(key, cert, opts.cert, opts.key, 'configured');
  }
  const dir = join(opts.dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const existing = await readFile(certPath).catch(() => null);
  if (existing) {
    const key = await readPem(keyPath, 'key');
    const tls = material(key, existing, certPath, keyPath, 'self-signed');
    if (Date.parse(tls.validTo) > (opts.now ?? Date.now())) return tls;
  }
  await createSelfSigned(dir, certPath, keyPath, opts.hostname);
  const cert = await readPem(certPath, 'certificate');
  const key = await readPem(keyPath, 'key');
  return material(key, cert, certPath, keyPath, 'self-signed-created');
}

async function createSelfSigned(
  dir: string,
  certPath: string,
  keyPath: string,
  hostname: string,
): Promise<void> {
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: hostname },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Key first, cert last: a cert on disk implies its key is complete. Renames are atomic.
    await writeFile(`${keyPath}.tmp`, pems.private, { mode: 0o600 });
    await chmod(`${keyPath}.tmp`, 0o600);
    await rename(`${keyPath}.tmp`, keyPath);
    await writeFile(`${certPath}.tmp`, pems.cert, { mode: 0o644 });
    await rename(`${certPath}.tmp`, certPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const reason = ERRNO_TEXT[code] ?? (err as Error).message;
    throw new PkError('PK_ERR_CONFIG', `cannot write the self-signed certificate to ${dir}: ${reason}`);
  }
}
