// Server-Sent Events ticker for PushGateway.
// EventSource retries by itself (sending Last-Event-ID); this script only
// steps in when it gives up for good (readyState CLOSED).
(() => {
  'use strict';

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
  let backoff = BACKOFF_START_MS;
  let retryTimer = 0;
  let countdownTimer = 0;

  const setStatus = (state, text) => {
    statusEl.dataset.state = state;
    if (statusEl.textContent !== text) statusEl.textContent = text;
  };

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

  const pad = (n) => String(n).padStart(2, '0');
  const clock = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

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

  const clearTimers = () => {
    clearTimeout(retryTimer);
    clearInterval(countdownTimer);
    retryTimer = 0;
    countdownTimer = 0;
  };

  const scheduleReopen = () => {
    clearTimers();
    const delay = Math.min(BACKOFF_MAX_MS, Math.round(backoff * (1 + Math.random() * 0.25)));
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    const deadline = Date.now() + delay;

    const tick = () => {
      const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
      setStatus('disconnected', `Disconnected — retrying in ${seconds} s…`);
    };
    tick();
    countdownTimer = setInterval(tick, 250);
    retryTimer = setTimeout(open, delay);
  };

  const open = () => {
    clearTimers();
    if (source) source.close();
    // A fresh EventSource has no Last-Event-ID header, so pass it in the query.
    const url = lastId ? `/sse?lastEventId=${encodeURIComponent(lastId)}` : '/sse';
    const es = new EventSource(url);
    source = es;

    es.onopen = () => {
      if (source !== es) return;
      everOpen = true;
      backoff = BACKOFF_START_MS;
      showReadyState(es);
    };
    es.onerror = () => {
      if (source !== es) return;
      if (es.readyState === EventSource.CLOSED) scheduleReopen();
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

  // Network came back: don't sit out the rest of the backoff.
  window.addEventListener('online', () => {
    if (retryTimer) open();
  });

  window.addEventListener('pagehide', () => {
    clearTimers();
    if (source) {
      source.close();
      source = null;
    }
    setStatus('disconnected', 'Disconnected');
  });

  // Restored from the back/forward cache: resume from the last id we saw.
  window.addEventListener('pageshow', (e) => {
    if (!e.persisted) return;
    backoff = BACKOFF_START_MS;
    open();
  });

  open();
})();
