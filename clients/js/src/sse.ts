/** One event of a text/event-stream, as the WHATWG "Server-sent events" parsing rules produce it. */
export interface SseEvent {
  event: string;
  /** The last event id after this event (ids persist until the server sends another). */
  lastEventId: string;
  /** Whether this event carried an id: field (a gap notice does not). */
  hasId: boolean;
  data: string;
}

/** What a stream told the client beside its events. */
export interface SseState {
  lastEventId: string;
  /** The last retry: value, in milliseconds; undefined until the server sends one. */
  retryMs: number | undefined;
}

/**
 * Reads events from a response body. Comments (heartbeats) are skipped; an event without data is not
 * dispatched; a field name without a colon is a field with an empty value.
 */
export async function* readEvents(body: ReadableStream<Uint8Array>, state: SseState): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let hasId = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = lineEnd(buffer)) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer[end] === "\r" && buffer[end + 1] === "\n" ? 2 : 1));
        if (line === "") {
          if (data.length > 0) {
            yield { event: event || "message", lastEventId: state.lastEventId, hasId, data: data.join("\n") };
          }
          event = "";
          data = [];
          hasId = false;
          continue;
        }
        if (line.startsWith(":")) {
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? "" : line.slice(colon + 1);
        if (text.startsWith(" ")) {
          text = text.slice(1);
        }
        switch (field) {
          case "event":
            event = text;
            break;
          case "data":
            data.push(text);
            break;
          case "id":
            if (!text.includes("\0")) {
              state.lastEventId = text;
              hasId = true;
            }
            break;
          case "retry":
            if (/^\d+$/.test(text)) {
              state.retryMs = Number(text);
            }
            break;
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** Where the first line ends (CR, LF or CRLF), or -1; a CR at the very end waits for a possible LF. */
function lineEnd(buffer: string): number {
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i];
    if (c === "\n") {
      return i;
    }
    if (c === "\r") {
      return i + 1 < buffer.length ? i : -1;
    }
  }
  return -1;
}
