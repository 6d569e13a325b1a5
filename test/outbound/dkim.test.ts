/**
 * DKIM: the key `domain dkim` makes, the TXT record it prints, and a signature on outgoing mail
 * that mailauth's verifier accepts when DNS (an in-memory resolver) holds that record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { dkimTxtRecord, ensureDkimKey } from '../../src/delivery/outbound/dkim-keygen.ts';
import { startFakeMx, type FakeMx } from './fake-mx.ts';
import { message, outboundConfig, outboundEnv, T0, type OutboundEnv } from './outbound-env.ts';

function resolverWith(records: Record<string, string>) {
  return async (name: string, type: string): Promise<string[][]> => {
    const value = records[name.toLowerCase()];
    if (type === 'TXT' && value !== undefined) return [[value]];
    throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
  };
}

describe('DKIM signing of outgoing mail', () => {
  let mx: FakeMx;
  let env: OutboundEnv;
  before(async () => {
    mx = await startFakeMx();
    env = await outboundEnv({ config: outboundConfig({ transport: { 'b.test': `127.0.0.1:${mx.port}` } }) });
  });
  after(async () => {
    await env.close();
    await mx.close();
  });

  test('a domain without a key sends unsigned mail', async () => {
    await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test'], raw: message('unsigned') });
    await env.running.worker.runDue();
    assert.doesNotMatch(mx.received.at(-1)!.raw.toString(), /DKIM-Signature/i);
  });

  test('ensureDkimKey makes one RSA key per domain, keeps it, and rotates on request', async () => {
    const first = await ensureDkimKey(env.store.dkimKeys, 'A.test', { now: T0 });
    assert.equal(first.created, true);
    assert.equal(first.key.selector, 'pk20260105');
    assert.equal(first.key.algorithm, 'rsa-sha256');
    const again = await ensureDkimKey(env.store.dkimKeys, 'a.test', { now: T0 + 1 });
    assert.equal(again.created, false);
    assert.equal(again.key.privateKeyPem, first.key.privateKeyPem);
    const record = dkimTxtRecord(first.key);
    assert.equal(record.name, 'pk20260105._domainkey.a.test');
    assert.match(record.value, /^v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA[A-Za-z0-9+/=]+$/);
  });

  test('signed mail verifies (dkim=pass) with the published record, and fails with a different one', async () => {
    const key = (await env.store.dkimKeys.active('a.test'))!;
    const record = dkimTxtRecord(key);
    await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test'], raw: message('signed') });
    await env.running.worker.runDue();
    const raw = mx.received.at(-1)!.raw;
    assert.match(raw.toString(), /^DKIM-Signature: .*d=a\.test/i);
    const good = await dkimVerify(raw, { resolver: resolverWith({ [record.name]: record.value }), curTime: new Date(T0) });
    assert.equal(good.results.length, 1);
    assert.equal(good.results[0]!.status.result, 'pass', JSON.stringify(good.results[0]!.status));
    assert.match(String(good.results[0]!.status.header?.s), /^pk20260105$/);

    const tampered = Buffer.from(raw.toString().replace('Body of signed.', 'Body of forged.'));
    const bad = await dkimVerify(tampered, { resolver: resolverWith({ [record.name]: record.value }), curTime: new Date(T0) });
    // mailauth calls a body-hash mismatch 'neutral' (RFC 6376 §6.3 leaves the word open); never 'pass'.
    assert.notEqual(bad.results[0]!.status.result, 'pass', 'a changed body breaks the signature');

    const rotated = await ensureDkimKey(env.store.dkimKeys, 'a.test', { now: T0, rotate: true });
    assert.equal(rotated.key.selector, 'pk20260105n2');
    const stale = await dkimVerify(raw, {
      resolver: resolverWith({ [record.name]: dkimTxtRecord(rotated.key).value }),
      curTime: new Date(T0),
    });
    assert.notEqual(stale.results[0]!.status.result, 'pass');
  });

  test('the From header\'s domain signs, else the envelope sender\'s', async () => {
    await env.store.domains.add('c.test');
    const c = await ensureDkimKey(env.store.dkimKeys, 'c.test', { now: T0 });
    const rec = dkimTxtRecord(c.key);
    await env.running.outbound.enqueue({
      sender: 'alice@a.test',
      recipients: ['bob@b.test'],
      raw: message('from-c', 'Someone <someone@c.test>'),
    });
    await env.running.worker.runDue();
    const raw = mx.received.at(-1)!.raw;
    assert.match(raw.toString(), /^DKIM-Signature: .*d=c\.test/i);
    const res = await dkimVerify(raw, { resolver: resolverWith({ [rec.name]: rec.value }), curTime: new Date(T0) });
    assert.equal(res.results[0]!.status.result, 'pass');
  });
});
