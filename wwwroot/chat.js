// WebSocket chat client for PushGateway.
// The server echoes every message to every socket, including ours, so nothing
// is added to the list locally on send: the list shows only what came back.
import { clock, createReconnect, fetchLimits, showStatus } from './live-page.js';

const MAX_ITEMS = 500;
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 10000;
const STICK_THRESHOLD_PX = 48;   // "at the bottom" tolerance for auto-scroll

// Used when the server sends no reason text of its own.
const CLOSE_REASONS = new Map([
  [1000, 'normal closure'],
  [1001, 'going away'],
  [1003, 'binary messages are not accepted'],
  [1006, 'connection lost'],
  [1007, 'invalid UTF-8'],
  [1008, 'policy violation: client too slow'],
  [1009, 'message too big'],
  [1011, 'server error'],
]);

const PRESENCE_EVERY_MS = 5000;

// chat.html?topic=room-1 joins that room; without one, the default room "chat".
const room = new URLSearchParams(location.search).get('topic') || 'chat';
const wsQuery = room === 'chat' ? '' : `?topic=${encodeURIComponent(room)}`;
const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws${wsQuery}`;
const encoder = new TextEncoder();

const statusEl = document.getElementById('status');
const list = document.getElementById('messages');
const form = document.getElementById('chat-form');
const input = document.getElementById('message');
const sendButton = document.getElementById('send');
const presenceEl = document.getElementById('presence');
document.getElementById('room').textContent = room === 'chat' ? '' : `· ${room}`;

let socket = null;
let everConnected = false;
let presenceTimer = 0;
let maxBytes = null;             // the server's limit, once GET /limits answered; it closes with 1009 above
let stopped = false;             // page hidden/unloading: don't reconnect
let refocus = false;             // disabling the input drops focus; restore it
let forceScroll = false;         // scroll to our own message when it comes back

const setStatus = (state, text) => {
  showStatus(statusEl, state, text);

  const connected = state === 'connected';
  if (!connected && document.activeElement === input) refocus = true;
  input.disabled = !connected;
  sendButton.disabled = !connected;
  if (connected && refocus) {
    refocus = false;
    input.focus();
  }
};

const addItem = (text, className) => {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < STICK_THRESHOLD_PX;
  const now = new Date();

  const li = document.createElement('li');
  if (className) li.className = className;
  const time = document.createElement('time');
  time.dateTime = now.toISOString();
  time.textContent = clock(now);
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  li.append(time, body);
  list.append(li);

  while (list.childElementCount > MAX_ITEMS) list.firstElementChild.remove();

  // Don't yank the view away from someone reading older messages.
  if (atBottom || forceScroll || className === 'system') {
    list.scrollTop = list.scrollHeight;
    forceScroll = false;
  }
};

const addSystem = (text) => addItem(text, 'system');

const describeClose = (e) =>
  `${e.code}: ${e.reason || CLOSE_REASONS.get(e.code) || 'no reason given'}`;


// Who else is here: the gateway's count of this room's subscribers (all pages and streams).
const refreshPresence = async () => {
  try {
    const response = await fetch(`/topics/${encodeURIComponent(room)}`, { cache: 'no-store' });
    if (!response.ok) throw new Error(String(response.status));
    const { subscribers } = await response.json();
    presenceEl.textContent = `${subscribers} connected`;
  } catch {
    presenceEl.textContent = '';
  }
};

const stopPresence = () => {
  clearInterval(presenceTimer);
  presenceTimer = 0;
  presenceEl.textContent = '';
};

const connect = () => {
  reconnect.cancel();
  if (stopped) return;
  setStatus(everConnected ? 'reconnecting' : 'connecting', everConnected ? 'Reconnecting…' : 'Connecting…');

  let ws;
  try {
    ws = new WebSocket(url);
  } catch (err) {
    addSystem(`Cannot connect: ${err.message}`);
    setStatus('disconnected', 'Disconnected');
    return;
  }
  socket = ws;
  let opened = false;

  ws.addEventListener('open', () => {
    if (socket !== ws) return;
    opened = true;
    reconnect.succeeded();
    addSystem(everConnected ? 'Reconnected' : 'Connected');
    everConnected = true;
    setStatus('connected', 'Connected');
    refreshPresence();
    clearInterval(presenceTimer);
    presenceTimer = setInterval(refreshPresence, PRESENCE_EVERY_MS);
  });

  ws.addEventListener('message', (e) => {
    if (socket !== ws) return;
    if (typeof e.data === 'string') addItem(e.data);
  });

  // 'error' carries no details and is always followed by 'close', so it's handled there.
  ws.addEventListener('close', (e) => {
    if (socket !== ws) return;   // a socket we already replaced or abandoned
    socket = null;
    stopPresence();
    // Failed attempts only update the status; a line per retry would flood the list.
    if (opened) addSystem(`Disconnected (${describeClose(e)}) — reconnecting`);
    reconnect.schedule();
  });
};

const reconnect = createReconnect({
  connect,
  onCountdown: (seconds, offline) => offline
    ? setStatus('disconnected', `Offline — retrying in ${seconds} s…`)
    : setStatus('reconnecting', `Reconnecting in ${seconds} s…`),
  startMs: BACKOFF_START_MS,
  maxMs: BACKOFF_MAX_MS,
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = input.value;
  if (text.trim() === '') return;

  if (!socket || socket.readyState !== WebSocket.OPEN) {
    addSystem('Not sent: not connected');
    return;
  }
  // maxlength counts UTF-16 units, the server counts UTF-8 bytes.
  const bytes = encoder.encode(text).length;
  if (maxBytes !== null && bytes > maxBytes) {
    addSystem(`Not sent: message is ${bytes} bytes of UTF-8, the limit is ${maxBytes}`);
    return;
  }

  socket.send(text);
  forceScroll = true;
  input.value = '';
  input.focus();
});

// Network came back: don't sit out the rest of the backoff.
window.addEventListener('online', () => reconnect.now());

window.addEventListener('pagehide', () => {
  stopped = true;
  reconnect.cancel();
  stopPresence();
  if (socket) {
    const ws = socket;
    socket = null;
    ws.close(1000, 'page closed');
  }
  setStatus('disconnected', 'Disconnected');
});

// Restored from the back/forward cache: the old socket is gone.
window.addEventListener('pageshow', (e) => {
  if (!e.persisted) return;
  stopped = false;
  reconnect.succeeded();
  connect();
});

fetchLimits().then((limits) => {
  maxBytes = limits?.ws?.maxMessageBytes ?? null;
  // A UTF-16 unit is at least one UTF-8 byte: longer input could never be sent.
  if (maxBytes !== null) input.maxLength = maxBytes;
});
connect();
