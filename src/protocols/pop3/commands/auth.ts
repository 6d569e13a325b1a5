// RFC 5034 AUTH with SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login), initial
// response allowed ("=" for an empty one), "*" cancels (§4: the server rejects the command).
// Bare AUTH lists the mechanisms, as old Outlook versions ask before CAPA existed.
import { decodeBase64, decodeLoginStep, decodePlain, LOGIN_CHALLENGES } from '../../../auth/sasl.ts';
import { LIMITS } from '../../../core/limits.ts';
import { SASL_MECHANISMS } from '../capabilities.ts';
import { completeLogin, insecureError } from '../login.ts';
import { popError } from '../pop-error.ts';
import type { PopSession } from '../session.ts';
import { expectArgs, shown } from '../wire/command.ts';
import { continuation, multiLine } from '../wire/responses.ts';
import type { CommandSpec } from './types.ts';

/** Sends a challenge and reads the client's base64 answer. */
async function step(session: PopSession, challenge: string): Promise<string> {
  session.write(continuation(challenge));
  const ev = await session.readLine(LIMITS.pop3SaslLineBytes);
  if (ev === null) throw popError('connection closed');
  if (ev.kind === 'too-long') throw popError('line too long');
  const text = ev.line.toString('latin1');
  if (text.trim() === '*') throw popError('authentication cancelled');
  return text;
}

function base64(text: string): Buffer {
  const bytes = decodeBase64(text);
  if (!bytes) throw popError('invalid base64 in the AUTH response');
  return bytes;
}

async function plain(session: PopSession, initial: string | undefined): Promise<[string, string]> {
  const response = initial === undefined ? await step(session, '') : initial === '=' ? '' : initial;
  base64(response);
  const creds = decodePlain(response);
  if (!creds) throw popError('malformed PLAIN response');
  return [creds.login, creds.password];
}

async function login(session: PopSession, initial: string | undefined): Promise<[string, string]> {
  const first = initial === undefined ? await step(session, LOGIN_CHALLENGES[0]) : initial === '=' ? '' : initial;
  base64(first);
  const name = decodeLoginStep(first) ?? '';
  const second = await step(session, LOGIN_CHALLENGES[1]);
  base64(second);
  const password = decodeLoginStep(second) ?? '';
  if (!name || !password) throw popError('malformed LOGIN response');
  return [name, password];
}

export const auth: CommandSpec = {
  states: ['authorization'],
  async handle(session, cmd) {
    if (cmd.args.length === 0) {
      session.write(multiLine('supported mechanisms follow', session.loginAllowed() ? SASL_MECHANISMS : []));
      return;
    }
    expectArgs(cmd, 1, 2, 'a mechanism');
    const mech = cmd.args[0]!.toUpperCase();
    if (mech !== 'PLAIN' && mech !== 'LOGIN') throw popError(`unsupported authentication mechanism${shown(cmd.args[0]!)}`);
    if (!session.loginAllowed()) throw insecureError(session);
    const [name, password] = mech === 'PLAIN' ? await plain(session, cmd.args[1]) : await login(session, cmd.args[1]);
    await completeLogin(session, name, password);
  },
};
