/** Small realistic messages for store tests. */
export function sampleMessage(n: number, bodyBytes = 200): Buffer {
  const body = `Hello number ${n}.\r\n` + 'x'.repeat(Math.max(0, bodyBytes - 20)).replace(/(.{70})/g, '$1\r\n') + '\r\n';
  return Buffer.from(
    [
      `From: Alice Example <alice@example.org>`,
      `To: Bob <bob@example.org>`,
      `Subject: Test message ${n}`,
      `Date: Mon, 2 Nov 2026 10:00:00 +0000`,
      `Message-ID: <msg-${n}@example.org>`,
      `MIME-Version: 1.0`,
      `Content-Type: text/plain; charset=utf-8`,
      ``,
      body,
    ].join('\r\n'),
  );
}
