import { Readable } from 'node:stream';
import type { BlobReader } from '../ports.ts';
import { clamp } from './blob-files.ts';

/** A reader over bytes already in memory (messages stored inline in the database). */
export function bufferReader(bytes: Buffer): BlobReader {
  return {
    size: bytes.length,
    read(start = 0, end = bytes.length) {
      const [s, e] = clamp(start, end, bytes.length);
      return Promise.resolve(bytes.subarray(s, e));
    },
    stream(start = 0, end = bytes.length) {
      const [s, e] = clamp(start, end, bytes.length);
      return Readable.from([bytes.subarray(s, e)], { objectMode: false });
    },
  };
}
