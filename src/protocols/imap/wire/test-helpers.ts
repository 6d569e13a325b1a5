/**
 * Test helpers for the wire layer: run text through a fresh receiver and the parser. Used only by
 * the *.test.ts files beside it.
 */
import { ImapReceiver } from './receiver.ts';
import type { CommandFrame, ReceiverEvent } from './receiver.ts';
import { parseCommand } from './parse-command.ts';
import type { Command } from './types.ts';

/** Frames `input` plus a final CRLF and returns its single command frame. */
export function frameOf(input: string | Buffer): CommandFrame {
  const bytes = Buffer.concat([typeof input === 'string' ? Buffer.from(input, 'utf8') : input, Buffer.from('\r\n')]);
  const frames = new ImapReceiver()
    .push(bytes)
    .filter((e): e is Extract<ReceiverEvent, { type: 'command' }> => e.type === 'command');
  if (frames.length !== 1) throw new Error(`expected one command, got ${frames.length}`);
  return frames[0]!.frame;
}

/** Parses one command given as text (literals written inline, `{n}\r\n` then the octets). */
export function parse(input: string | Buffer, utf8 = false): Command {
  return parseCommand(frameOf(input), { utf8 });
}

/** Splits `data` into chunks of `size` octets. */
export function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** Events as comparable plain values (Buffers as latin1 strings, WireErrors as fields). */
export function plain(events: readonly ReceiverEvent[]): unknown[] {
  return events.map((e) => {
    switch (e.type) {
      case 'command':
        return {
          type: 'command',
          tag: e.frame.tag,
          parts: e.frame.parts.map((p) =>
            p.type === 'line' ? ['line', p.data.toString('latin1')] : ['literal', p.data.toString('latin1'), p.sync, p.binary],
          ),
        };
      case 'line':
        return { type: 'line', line: e.line.toString('latin1') };
      case 'continue':
        return { type: 'continue' };
      case 'error':
        return { type: 'error', message: e.error.message, tag: e.error.tag, code: e.error.code, no: e.error.no, fatal: e.fatal };
      default:
        return e;
    }
  });
}

/**
 * Feeds `chunks` one at a time and returns every event; a session-like driver: after a pause it
 * switches to line mode for IDLE/AUTHENTICATE and back to command mode after a line.
 */
export function drive(receiver: ImapReceiver, input: readonly Buffer[]): ReceiverEvent[] {
  const out: ReceiverEvent[] = [];
  const handle = (events: ReceiverEvent[]): void => {
    for (const e of events) out.push(e);
    while (receiver.paused) {
      const last = out[out.length - 1];
      receiver.setLineMode(last?.type === 'command' && /^\S+ (IDLE|AUTHENTICATE)\b/i.test(last.frame.parts[0]!.data.toString('latin1')));
      const more = receiver.push(Buffer.alloc(0));
      for (const e of more) out.push(e);
      if (more.length === 0) break;
    }
  };
  for (const c of input) handle(receiver.push(c));
  return out;
}
