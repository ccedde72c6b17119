// Drives POST /sse with @microsoft/fetch-event-source and prints what it receives, one JSON object per line.
//
//   node fetch-sse.mjs <url> <count> [token] [bodyJson]
//
// stdout lines:
//   {"type":"event","event":"...","id":"...","data":"..."}            one per received event
//   {"type":"error","status":401,"contentType":"...","body":"..."}    response not OK / not text/event-stream
//   {"type":"error","error":"...", ...}                                anything else
// exit codes: 0 = <count> events received, 1 = bad arguments or network/unexpected error,
//             2 = response not OK or not text/event-stream, 3 = timed out, 4 = stream ended early.
// Pass "" as token to send no Authorization header while still passing a body.

// The library is written for browsers: it calls window.fetch / window.setTimeout / window.clearTimeout and
// always calls document.removeEventListener('visibilitychange', ...) on dispose, even with openWhenHidden.
globalThis.window ??= globalThis;
globalThis.document ??= { hidden: false, addEventListener() {}, removeEventListener() {} };

// The package's "module" build (lib/esm) uses extension-less relative imports and the package has no
// "type":"module", so Node cannot load it; the bare specifier resolves "main" (lib/cjs), whose named
// exports Node ESM detects.
import { fetchEventSource, EventStreamContentType } from '@microsoft/fetch-event-source';

const TIMEOUT_MS = 20_000;

const print = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
// Exit only once stdout has been flushed (pipes are asynchronous on Windows).
const exit = (code, obj) => process.stdout.write(JSON.stringify(obj) + '\n', () => process.exit(code));

const [url, countArg, token, bodyJson] = process.argv.slice(2);
const count = Number(countArg);
if (!url || !Number.isInteger(count) || count < 1) {
  exit(1, { type: 'error', error: 'usage: node fetch-sse.mjs <url> <count> [token] [bodyJson]' });
} else {
  await run();
}

async function run() {
  // Thrown from onopen so the library gives up instead of retrying.
  class HttpError extends Error {}

  const controller = new AbortController();
  let received = 0;
  let done = false;

  const timer = setTimeout(() => {
    done = true;
    controller.abort();
    exit(3, { type: 'error', error: `timeout after ${TIMEOUT_MS} ms`, received });
  }, TIMEOUT_MS);

  try {
    await fetchEventSource(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: bodyJson ?? '{}',
      openWhenHidden: true, // no visibilitychange handling in Node
      signal: controller.signal,

      async onopen(response) {
        const contentType = response.headers.get('content-type') ?? '';
        if (!response.ok || !contentType.startsWith(EventStreamContentType)) {
          const body = await response.text();
          throw Object.assign(new HttpError(`HTTP ${response.status}`), { status: response.status, contentType, body });
        }
      },

      onmessage(ev) {
        // The library calls onmessage for every blank line, including after comment-only (": heartbeat")
        // and retry-only ("retry: 1000") blocks; a browser EventSource dispatches nothing for those.
        if (done || (ev.event === '' && ev.id === '' && ev.data === '')) return;
        received++;
        if (received < count) {
          print({ type: 'event', event: ev.event, id: ev.id, data: ev.data });
          return;
        }
        done = true;
        clearTimeout(timer);
        controller.abort(); // makes fetchEventSource resolve and close the request
        exit(0, { type: 'event', event: ev.event, id: ev.id, data: ev.data });
      },

      onerror(err) {
        throw err; // rethrow: no automatic retries
      },
    });

    // Resolved without abort: the server ended the stream before <count> events.
    if (!done) {
      done = true;
      clearTimeout(timer);
      exit(4, { type: 'error', error: 'stream ended', received });
    }
  } catch (err) {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (err instanceof HttpError) {
      exit(2, { type: 'error', status: err.status, contentType: err.contentType, body: err.body });
    } else {
      exit(1, { type: 'error', error: String(err?.cause ?? err), received });
    }
  }
}
