// Reading a `text/event-stream` response body (the client side of an SSE stream, for checks, tests and benchmarks):
// each event as it comes (its name, `message` when the server gave none, and its data lines joined), and each comment
// (a keep-alive), parsed by eventsource-parser. Ends when the stream ends or is aborted.
import { createParser } from 'eventsource-parser';

export interface SseEvent {
  event: string;
  data: string;
}

export interface SseHandlers {
  event: (e: SseEvent) => void;
  comment?: (text: string) => void;
}

export async function readSse(body: ReadableStream<Uint8Array>, on: SseHandlers): Promise<void> {
  const parser = createParser({
    onEvent: (e) => on.event({ event: e.event ?? 'message', data: e.data }),
    ...(on.comment === undefined ? {} : { onComment: on.comment }),
  });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
    if (done) return;
    parser.feed(value);
  }
}
