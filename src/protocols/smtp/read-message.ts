/**
 * Reads the DATA stream into one buffer (the store takes a message whole). Past the size limit
 * the rest is drained and dropped: smtp-server then answers 552 5.3.4 itself (rejectOversized).
 */
import type { SMTPServerDataStream } from 'smtp-server';

export async function readMessage(stream: SMTPServerDataStream, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (stream.sizeExceeded || size > limit) return null;
  return Buffer.concat(chunks, size);
}
