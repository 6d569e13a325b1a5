/**
 * A tiny authoritative DNS server for tests: TXT records only, over UDP and TCP on one loopback
 * port, so a real `postkontor serve` child (node:dns / c-ares, pointed at it with
 * `[outbound] dns-servers = ["127.0.0.1:PORT"]`) can verify SPF, DKIM and DMARC.
 *
 * Answers: the TXT strings of a known name (split into <=255-byte character-strings), NOERROR
 * with no answer for a known name and another type, NXDOMAIN for anything else. Over UDP an
 * answer above 512 bytes (no EDNS) is sent truncated (TC) and the client asks again over TCP.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';

const TYPE_TXT = 16;
const CLASS_IN = 1;

export interface TestDnsServer {
  readonly port: number;
  /** `host:port` for `[outbound] dns-servers`. */
  readonly address: string;
  /** Every query seen, as `NAME TYPE` (numeric type), for failure messages. */
  readonly queries: string[];
  close(): Promise<void>;
}

interface Question {
  readonly name: string;
  readonly type: number;
  /** Offset just past the question (QTYPE and QCLASS included). */
  readonly end: number;
}

function readQuestion(packet: Buffer): Question | null {
  let offset = 12;
  const labels: string[] = [];
  for (;;) {
    const len = packet[offset];
    if (len === undefined) return null;
    offset++;
    if (len === 0) break;
    if (len > 63 || offset + len > packet.length) return null; // no compression in questions
    labels.push(packet.toString('latin1', offset, offset + len));
    offset += len;
  }
  if (offset + 4 > packet.length) return null;
  return { name: labels.join('.').toLowerCase(), type: packet.readUInt16BE(offset), end: offset + 4 };
}

/** One TXT record's RDATA: the value as character-strings of at most 255 bytes. */
function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

/** The response to `query`: question echoed, the answers, AA set; TC when `limit` cuts it. */
function respond(query: Buffer, records: ReadonlyMap<string, readonly string[]>, limit: number): Buffer | null {
  if (query.length < 12) return null;
  const q = readQuestion(query);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // ID
  const rd = (query[2] ?? 0) & 0x01;
  if (!q) {
    header.writeUInt16BE(0x8000 | (rd << 8) | 0x0080 | 1, 2); // FORMERR
    return header;
  }
  const known = records.get(q.name);
  const answers = known && q.type === TYPE_TXT ? known : [];
  const rcode = known ? 0 : 3; // NXDOMAIN for unknown names
  const question = query.subarray(12, q.end);
  const rrs = answers.map((value) => {
    const rdata = txtRdata(value);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_TXT, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  let full = Buffer.concat([header, question, ...rrs]);
  let tc = 0;
  let count = rrs.length;
  if (full.length > limit) {
    tc = 0x0200;
    count = 0;
    full = Buffer.concat([header, question]);
  }
  // QR, opcode QUERY, AA, TC, RD copied, RA, rcode.
  full.writeUInt16BE(0x8000 | 0x0400 | tc | (rd << 8) | 0x0080 | rcode, 2);
  full.writeUInt16BE(1, 4);
  full.writeUInt16BE(count, 6);
  full.writeUInt16BE(0, 8);
  full.writeUInt16BE(0, 10);
  return full;
}

/** The UDP size the query allows: 512, or the EDNS0 OPT record's payload size. */
function udpLimit(query: Buffer, q: Question | null): number {
  if (!q || query.readUInt16BE(10) === 0) return 512;
  // The OPT record follows the question: root name (0), TYPE 41, CLASS = payload size.
  const at = q.end;
  if (query[at] === 0 && query.length >= at + 5 && query.readUInt16BE(at + 1) === 41) {
    return Math.max(512, query.readUInt16BE(at + 3));
  }
  return 512;
}

/**
 * Serves `records` (lower-case name → TXT values; a name with an empty list exists without TXT)
 * on 127.0.0.1, UDP and TCP on the same port.
 */
export async function startTestDns(records: ReadonlyMap<string, readonly string[]>): Promise<TestDnsServer> {
  const queries: string[] = [];
  const note = (query: Buffer): void => {
    const q = readQuestion(query);
    queries.push(q ? `${q.name} ${q.type}` : '(unparsable)');
  };
  // TCP first on port 0, then UDP on the same number (retry if that UDP port is taken).
  for (let attempt = 0; ; attempt++) {
    const tcp: Server = createServer((socket: Socket) => {
      let buf = Buffer.alloc(0);
      socket.on('error', () => undefined);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2) {
          const len = buf.readUInt16BE(0);
          if (buf.length < 2 + len) break;
          const query = buf.subarray(2, 2 + len);
          buf = buf.subarray(2 + len);
          note(query);
          const answer = respond(query, records, 65_535);
          if (!answer) continue;
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(answer.length, 0);
          socket.write(Buffer.concat([prefix, answer]));
        }
      });
    });
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: '127.0.0.1', port: 0 }, () => {
        const a = tcp.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
    const udp: UdpSocket = createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) {
      udp.close();
      await new Promise((r) => tcp.close(r));
      if (attempt > 20) throw new Error('no port free for both UDP and TCP');
      continue;
    }
    udp.on('error', () => undefined);
    udp.on('message', (query, rinfo) => {
      note(query);
      const answer = respond(query, records, udpLimit(query, readQuestion(query)));
      if (answer) udp.send(answer, rinfo.port, rinfo.address);
    });
    return {
      port,
      address: `127.0.0.1:${port}`,
      queries,
      close: async () => {
        await new Promise<void>((r) => udp.close(() => r()));
        await new Promise((r) => tcp.close(r));
      },
    };
  }
}
