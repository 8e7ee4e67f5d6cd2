import { describe, expect, it } from 'vitest';
import { createEventStreamParser, readEventStream, type ServerSentEvent } from './event-stream.ts';

function parse(chunks: string[]) {
  const events: ServerSentEvent[] = [];
  const retries: number[] = [];
  const parser = createEventStreamParser({
    onEvent: (e) => events.push(e),
    onRetry: (ms) => retries.push(ms),
  });
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries };
}

describe('event stream parser', () => {
  it('dispatches named events with their data and id, skipping comments', () => {
    const { events, retries } = parse([
      'retry: 3000\n: connected\n\n',
      'event: store\nid: a:1\ndata: {"id":"a"}\n\n',
      ': keep-alive\n\n',
    ]);
    expect(retries).toEqual([3000]);
    expect(events).toEqual([{ type: 'store', data: '{"id":"a"}', id: 'a:1' }]);
  });

  it('joins multi-line data and defaults the type to message', () => {
    expect(parse(['data: one\ndata:two\ndata\n\n']).events).toEqual([
      { type: 'message', data: 'one\ntwo\n', id: '' },
    ]);
  });

  it('handles CRLF, CR and events split anywhere across chunks', () => {
    const text = 'event: store\r\ndata: {"n":1}\r\n\r\nevent: store\rdata: {"n":2}\r\r';
    for (let cut = 0; cut <= text.length; cut++) {
      const { events } = parse([text.slice(0, cut), text.slice(cut)]);
      expect(events.map((e) => e.data)).toEqual(['{"n":1}', '{"n":2}']);
    }
  });

  it('does not dispatch an event whose blank line has not arrived', () => {
    expect(parse(['event: store\ndata: {}\n']).events).toEqual([]);
  });

  it('reads a byte stream, multi-byte characters split across chunks included', async () => {
    const bytes = new TextEncoder().encode('event: store\ndata: {"name":"café"}\n\n');
    const split = bytes.indexOf(0xc3) + 1;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    await readEventStream(body, { onEvent: (e) => events.push(e) });
    expect(events).toEqual([{ type: 'store', data: '{"name":"café"}', id: '' }]);
  });
});
