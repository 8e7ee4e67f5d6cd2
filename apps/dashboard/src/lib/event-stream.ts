/** One dispatched Server-Sent Event. `type` is `message` when the stream names none. */
export interface ServerSentEvent {
  type: string;
  data: string;
  id: string;
}

export interface EventStreamHandlers {
  onEvent(event: ServerSentEvent): void;
  /** The server's `retry:` field, in milliseconds. */
  onRetry?(ms: number): void;
}

/**
 * A parser for the `text/event-stream` format (WHATWG HTML, "Server-sent events"), fed decoded text
 * in chunks of any size: lines may end in CRLF, LF or CR, and a chunk may end mid-line.
 */
export function createEventStreamParser(handlers: EventStreamHandlers) {
  let buffer = '';
  let isStart = true;
  let skipLineFeed = false;
  let type = '';
  let data: string[] = [];
  let lastId = '';

  const dispatch = () => {
    if (data.length > 0) handlers.onEvent({ type: type || 'message', data: data.join('\n'), id: lastId });
    type = '';
    data = [];
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) handlers.onRetry?.(Number(value));
  };

  return {
    push(chunk: string): void {
      let text = chunk;
      if (isStart && text.length > 0) {
        isStart = false;
        if (text.startsWith('\uFEFF')) text = text.slice(1);
      }
      if (skipLineFeed && text.startsWith('\n')) text = text.slice(1);
      skipLineFeed = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const char = buffer[i];
        if (char !== '\n' && char !== '\r') continue;
        line(buffer.slice(start, i));
        if (char === '\r') {
          if (i + 1 === buffer.length) skipLineFeed = true;
          else if (buffer[i + 1] === '\n') i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
  };
}

/**
 * Reads a Server-Sent Events body until it ends (resolves) or fails (rejects, e.g. on abort).
 * `onActivity` is called on every chunk, comments and heartbeats included, so callers can tell a
 * stalled connection from a quiet one.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  handlers: EventStreamHandlers & { onActivity?(): void },
): Promise<void> {
  const parser = createEventStreamParser(handlers);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      handlers.onActivity?.();
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}
