// Server-Sent Events ticker for PushGateway.
// EventSource retries by itself (sending Last-Event-ID); this script only
// steps in when it gives up for good (readyState CLOSED).
import { clock, createReconnect, showStatus } from './live-page.js';

const MAX_ITEMS = 200;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 15000;

const statusEl = document.getElementById('status');
const list = document.getElementById('events');
const lastIdEl = document.getElementById('last-event-id');
const countEl = document.getElementById('count');

let source = null;
let lastId = '';
let count = 0;
let everOpen = false;

const setStatus = (state, text) => showStatus(statusEl, state, text);

const showReadyState = (es) => {
  switch (es.readyState) {
    case EventSource.CONNECTING:
      if (everOpen) setStatus('reconnecting', 'Reconnecting…');
      else setStatus('connecting', 'Connecting…');
      break;
    case EventSource.OPEN:
      setStatus('connected', 'Connected');
      break;
    default:
      setStatus('disconnected', 'Disconnected');
  }
};

const addEvent = (text, className, id) => {
  const li = document.createElement('li');
  li.className = className;
  const now = new Date();
  const time = document.createElement('time');
  time.dateTime = now.toISOString();
  time.textContent = clock(now);
  li.append(time);

  if (className.includes('chat')) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = 'chat';
    li.append(tag);
  }
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  const meta = document.createElement('small');
  meta.className = 'event-id';
  meta.textContent = id ? `#${id}` : '';
  li.append(body, meta);

  list.prepend(li);
  while (list.childElementCount > MAX_ITEMS) list.lastElementChild.remove();
};

// Bookkeeping shared by every event type.
const record = (e) => {
  if (e.lastEventId) {
    lastId = e.lastEventId;
    lastIdEl.textContent = lastId;
  }
  count += 1;
  countEl.textContent = String(count);
};

const onTick = (e) => {
  record(e);
  let text = e.data;
  let className = 'tick';
  try {
    const parsed = JSON.parse(e.data);
    if (parsed && typeof parsed.message === 'string') text = parsed.message;
    else className = 'tick raw';
  } catch {
    className = 'tick raw';     // not JSON: show it as it came
  }
  addEvent(text, className, e.lastEventId);
};

const onChat = (e) => {
  record(e);
  addEvent(e.data, 'chat', e.lastEventId);
};

// The server no longer holds some of what we missed (it restarted, or we were away too long).
const onGap = () => {
  addEvent('Some events were missed while disconnected; showing everything the server still holds.', 'system', '');
};

const open = () => {
  reopen.cancel();
  if (source) source.close();
  // A fresh EventSource has no Last-Event-ID header, so pass it in the query.
  const url = lastId ? `/sse?lastEventId=${encodeURIComponent(lastId)}` : '/sse';
  const es = new EventSource(url);
  source = es;

  es.onopen = () => {
    if (source !== es) return;
    everOpen = true;
    reopen.succeeded();
    showReadyState(es);
  };
  es.onerror = () => {
    if (source !== es) return;
    if (es.readyState === EventSource.CLOSED) reopen.schedule();
    else showReadyState(es);
  };
  es.onmessage = (e) => {
    if (source === es) onTick(e);
  };
  es.addEventListener('chat', (e) => {
    if (source === es) onChat(e);
  });
  es.addEventListener('gap', () => {
    if (source === es) onGap();
  });

  showReadyState(es);
};

const reopen = createReconnect({
  connect: open,
  onCountdown: (seconds) => setStatus('disconnected', `Disconnected — retrying in ${seconds} s…`),
  startMs: BACKOFF_START_MS,
  maxMs: BACKOFF_MAX_MS,
});

// Network came back: don't sit out the rest of the backoff.
window.addEventListener('online', () => reopen.now());

window.addEventListener('pagehide', () => {
  reopen.cancel();
  if (source) {
    source.close();
    source = null;
  }
  setStatus('disconnected', 'Disconnected');
});

// Restored from the back/forward cache: resume from the last id we saw.
window.addEventListener('pageshow', (e) => {
  if (!e.persisted) return;
  reopen.succeeded();
  open();
});

open();
