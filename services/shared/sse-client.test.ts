import { describe, expect, it } from 'vitest';
import { readSse, type SseEvent } from './sse-client.js';

/** A body that gives `chunks` one by one, split wherever the test chose. */
const bodyOf = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });

describe('readSse', () => {
  it('gives each event with its name (message by default) and joined data, and each comment, across chunk borders', async () => {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    await readSse(bodyOf(['event: connected\ndata: {"a"', ':1}\n\n: keep', '-alive\n\ndata: x\ndata: y\n\n']), {
      event: (e) => events.push(e),
      comment: (c) => comments.push(c),
    });
    expect(events).toEqual([
      { event: 'connected', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
    expect(comments.map((c) => c.trim())).toEqual(['keep-alive']);
  });
});
