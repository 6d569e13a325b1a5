/** A Server-Sent Events reader over fetch for tests: events stamped on arrival, comments kept. */
export interface SseEvent {
  readonly at: number;
  readonly event: string;
  readonly id: string | null;
  readonly data: string;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  #buf = '';
  #wake: (() => void) | null = null;
  #abort = new AbortController();
  #done: Promise<void> = Promise.resolve();

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, { headers, signal: c.#abort.signal });
    c.status = res.status;
    if (!res.body) return c;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    c.#done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          c.#feed(value, performance.now());
        }
      } catch {
        // aborted
      }
    })();
    return c;
  }

  #feed(text: string, at: number): void {
    this.#buf += text;
    let end: number;
    while ((end = this.#buf.indexOf('\n\n')) >= 0) {
      const block = this.#buf.slice(0, end);
      this.#buf = this.#buf.slice(end + 2);
      let event = 'message';
      let id: string | null = null;
      const data: string[] = [];
      let fields = 0;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields++;
        if (name === 'event') event = value;
        else if (name === 'id') id = value;
        else if (name === 'data') data.push(value);
      }
      if (fields > 0 && data.length > 0) this.events.push({ at, event, id, data: data.join('\n') });
    }
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Waits until `count` events arrived (or a comment when `comment`), at most `timeoutMs`. */
  async waitFor(pred: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`SSE: condition not met within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}
