// What the live demo pages share: the status line, the clock, reconnecting with jittered backoff,
// and the limits the gateway enforces (read from GET /limits, never repeated here).

const pad = (n) => String(n).padStart(2, '0');

/** Local time as HH:MM:SS. */
export const clock = (date) => `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;

/** Sets the status line; the text only when it changes, so screen readers are not spammed by a countdown. */
export const showStatus = (element, state, text) => {
  element.dataset.state = state;
  if (element.textContent !== text) element.textContent = text;
};

/**
 * Calls `connect` again after a jittered, doubling delay (the jitter spreads reconnects when the server drops
 * everyone at once), telling `onCountdown(seconds, offline)` how long is left, four times a second.
 * `succeeded()` resets the delay; `now()` skips the rest of the wait (the network came back).
 */
export const createReconnect = ({ connect, onCountdown, startMs, maxMs }) => {
  let backoff = startMs;
  let retryTimer = 0;
  let countdownTimer = 0;

  const cancel = () => {
    clearTimeout(retryTimer);
    clearInterval(countdownTimer);
    retryTimer = 0;
    countdownTimer = 0;
  };

  const schedule = () => {
    cancel();
    const delay = Math.min(maxMs, Math.round(backoff * (1 + Math.random() * 0.25)));
    backoff = Math.min(backoff * 2, maxMs);
    const deadline = Date.now() + delay;
    const tick = () => onCountdown(Math.max(1, Math.ceil((deadline - Date.now()) / 1000)), navigator.onLine === false);
    tick();
    countdownTimer = setInterval(tick, 250);
    retryTimer = setTimeout(() => {
      cancel();
      connect();
    }, delay);
  };

  const now = () => {
    if (!retryTimer) return;
    cancel();
    connect();
  };

  const succeeded = () => {
    backoff = startMs;
  };

  return { schedule, cancel, now, succeeded };
};

/** The gateway's limits (see the README's GET /limits); null when they cannot be read. */
export const fetchLimits = async () => {
  try {
    const response = await fetch('/limits', { cache: 'no-store' });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
};
