import { readEvents, type SseState } from "./sse.js";

/** Where the client's connection stands. */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** How the client reaches the gateway: the WebSocket sub-protocol, or Server-Sent Events. */
export type Transport = "websocket" | "sse";

/** A message as the gateway sent it. */
export interface PushMessage {
  /** The event type: the publisher's, or "message". */
  event: string;
  /** The event id, which the client resumes after; empty for a node's own message that is not kept (a tick). */
  id: string;
  data: string;
  /** The message's topics (over WebSocket: all of them, also those this client does not hold; over SSE: unknown, empty). */
  topics: string[];
}

/** The gateway no longer held some of what the client missed while away (history trimmed, or lost). */
export interface PushGap {
  /** The topic concerned (WebSocket); undefined over SSE, where one stream carries every topic. */
  topic?: string;
  /** The last id the client had seen. */
  lastEventId: string;
}

/** The gateway's answer to a publish. */
export interface PublishResult {
  /** The event id subscribers see. */
  id: string;
  /** True when the gateway had already taken a publish with this idempotency key: nothing was delivered again. */
  replayed: boolean;
}

/** An RFC 9457 problem the gateway answered with. */
export class PushGatewayError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errors?: Record<string, string[]> } | undefined,
  ) {
    super(`${status} ${problem?.title ?? ""}${problem?.detail ? ": " + problem.detail : ""}`.trim());
    this.name = "PushGatewayError";
  }
}

export interface PushClientOptions {
  /** The gateway's base address, e.g. "https://push.example.com/". */
  url: string | URL;
  /** Gives the token for "Authorization: Bearer" (SSE, HTTP) or ?access_token= (WebSocket), asked again for every connection and request. */
  token?: () => string | undefined | Promise<string | undefined>;
  /** Transports in order of preference; a WebSocket that cannot open falls back to the next. Default ["websocket", "sse"]. */
  transports?: Transport[];
  /** The WebSocket constructor; default globalThis.WebSocket (without one, only SSE is used). */
  WebSocket?: typeof WebSocket;
  /** The first wait before reconnecting after a failure, doubled per failure with jitter. Default 1000. */
  reconnectDelayMs?: number;
  /** The longest wait between two attempts. Default 30000. */
  maxReconnectDelayMs?: number;
  /** Attempts of one publish (network errors, 5xx, 429), all with the same idempotency key. Default 4. */
  publishAttempts?: number;
}

interface Events {
  message: PushMessage;
  gap: PushGap;
  state: ConnectionState;
  transport: Transport;
  /** The wait before the next connection: what the gateway advised (a draining node, retry:, Retry-After), else backoff. */
  wait: { delayMs: number; fromServer: boolean };
  /** Over WebSocket, the gateway took a refreshed token: the socket lives on past the old one's expiry. */
  refreshed: undefined;
  error: unknown;
}

type Listener<T> = (value: T) => void;

/** How one connection attempt ended: whether it ever opened, and the wait the server asked for. */
interface Attempt {
  opened: boolean;
  waitMs?: number | undefined;
}

const subProtocol = "pushgateway.v1.json";
const recentIdsKept = 1024;

/**
 * A connection to a PushGateway that stays subscribed: over the WebSocket sub-protocol (pushgateway.v1.json), or
 * Server-Sent Events where WebSockets are blocked. When the connection ends it reconnects (after the server's
 * reconnect advice or retry:, a 503's Retry-After, or jittered exponential backoff) and resumes each topic after the
 * last id it delivered, so the application sees each message once, in order per topic, and a "gap" event when the
 * gateway no longer held what was missed.
 */
export class PushClient {
  readonly #base: URL;
  readonly #options: PushClientOptions;
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  /** The held topics, each with the last id delivered on it. */
  readonly #topics = new Map<string, string | undefined>();
  /** Ids delivered lately: over WebSocket a message on two held topics comes once per topic. */
  readonly #recentIds = new Set<string>();
  readonly #transports: Transport[];
  #transportIndex = 0;
  #webSocketOpened = false;
  #state: ConnectionState = "closed";
  #lastEventId: string | undefined;
  #run: AbortController | undefined;
  #socket: WebSocket | undefined;
  #requests = 0;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #refreshRequests = new Set<string>();

  constructor(options: PushClientOptions) {
    this.#options = options;
    this.#base = new URL(options.url);
    const webSocket = options.WebSocket ?? globalThis.WebSocket;
    this.#transports = (options.transports ?? ["websocket", "sse"]).filter((t) => t === "sse" || webSocket !== undefined);
    if (this.#transports.length === 0) {
      throw new Error("No transport: WebSocket is not available here and SSE is not allowed.");
    }
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The transport in use, or about to be. */
  get transport(): Transport {
    return this.#transports[this.#transportIndex]!;
  }

  /** The last event id delivered on any topic (what an SSE stream resumes after). */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** Calls listener for each event of that type; returns the function that stops it. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /**
   * Subscribes to topics, from after lastEventId when given (else from now on). Over WebSocket the topics join the
   * open socket; over SSE one stream carries every topic, so changing the set reconnects it after the last id.
   */
  subscribe(topics: readonly string[], options: { lastEventId?: string } = {}): void {
    const added = topics.filter((topic) => !this.#topics.has(topic));
    for (const topic of topics) {
      this.#topics.set(topic, options.lastEventId ?? this.#topics.get(topic));
    }
    if (options.lastEventId !== undefined) {
      this.#lastEventId = options.lastEventId;
    }
    if (this.#socket?.readyState === 1 && added.length > 0) {
      this.#send({ type: "subscribe", id: this.#nextId(), topics: added.map((topic) => this.#subscription(topic)) });
    } else if (!this.#socket) {
      this.#restart();
    }
  }

  unsubscribe(topics: readonly string[]): void {
    const held = topics.filter((topic) => this.#topics.delete(topic));
    if (this.#topics.size === 0) {
      this.close();
    } else if (this.#socket?.readyState === 1 && held.length > 0) {
      this.#send({ type: "unsubscribe", id: this.#nextId(), topics: held });
    } else if (!this.#socket) {
      this.#restart();
    }
  }

  /**
   * Publishes through POST /publish. Every attempt carries the same Idempotency-Key (a new random one unless
   * given), so a retry after a timeout or a 503 delivers the message once.
   */
  async publish(
    topics: string | readonly string[],
    data: string,
    options: { event?: string; id?: string; retryMs?: number; idempotencyKey?: string; signal?: AbortSignal } = {},
  ): Promise<PublishResult> {
    const key = options.idempotencyKey ?? crypto.randomUUID();
    const body = JSON.stringify({ topic: topics, data, event: options.event, id: options.id, retry: options.retryMs });
    const attempts = this.#options.publishAttempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(new URL("publish", this.#base), {
          method: "POST",
          headers: { ...(await this.#authorization()), "Content-Type": "application/json", "Idempotency-Key": key },
          body,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (attempt >= attempts || options.signal?.aborted) {
          throw error;
        }
        await delay(this.#backoff(attempt - 1), options.signal);
        continue;
      }
      if (response.ok) {
        const answer = (await response.json()) as { id: string };
        return { id: answer.id, replayed: response.headers.has("Idempotent-Replayed") };
      }
      if (!isWorthRetrying(response.status) || attempt >= attempts) {
        throw new PushGatewayError(response.status, await problemOf(response));
      }
      await response.body?.cancel();
      await delay(retryAfter(response) ?? this.#backoff(attempt - 1), options.signal);
    }
  }

  /** Subscribers of a topic (on every node) and its newest held id. */
  async presence(topic: string): Promise<{ topic: string; subscribers: number; lastEventId: string | null }> {
    const response = await fetch(new URL("topics/" + encodeURIComponent(topic).replaceAll("%2F", "/"), this.#base), {
      headers: await this.#authorization(),
    });
    if (!response.ok) {
      throw new PushGatewayError(response.status, await problemOf(response));
    }
    return (await response.json()) as { topic: string; subscribers: number; lastEventId: string | null };
  }

  /** Ends the connection; the client can subscribe again later. */
  close(): void {
    this.#run?.abort();
    this.#run = undefined;
    this.#setState("closed");
  }

  #restart(): void {
    this.#run?.abort();
    this.#run = undefined;
    if (this.#topics.size === 0) {
      this.#setState("closed");
      return;
    }
    const run = new AbortController();
    this.#run = run;
    void this.#connect(run.signal);
  }

  async #connect(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      this.#setState(failures === 0 && this.#state !== "reconnecting" ? "connecting" : "reconnecting");
      const transport = this.transport;
      let attempt: Attempt;
      try {
        attempt = transport === "websocket" ? await this.#webSocketOnce(signal) : await this.#sseOnce(signal);
      } catch (error) {
        if (signal.aborted) {
          return;
        }
        this.#emit("error", error);
        attempt = { opened: false };
      }
      if (signal.aborted) {
        return;
      }
      if (attempt.opened && transport === "websocket") {
        this.#webSocketOpened = true;
      }
      if (!this.#webSocketOpened && transport === "websocket" && this.#transportIndex + 1 < this.#transports.length) {
        // A WebSocket that has never opened is taken as blocked (a proxy, a firewall): the next transport, at once.
        // One that has opened before is only away (a node restarting) and is tried again.
        this.#transportIndex++;
        this.#emit("transport", this.transport);
        continue;
      }
      failures = attempt.opened ? 0 : failures + 1;
      this.#setState("reconnecting");
      const delayMs = attempt.waitMs ?? this.#backoff(failures);
      this.#emit("wait", { delayMs, fromServer: attempt.waitMs !== undefined });
      await delay(delayMs, signal).catch(() => undefined);
    }
  }

  /** One WebSocket connection, from the handshake to its close. */
  async #webSocketOnce(signal: AbortSignal): Promise<Attempt> {
    const url = new URL("ws", this.#base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const token = await this.#options.token?.();
    if (token) {
      url.searchParams.set("access_token", token);
    }
    const WebSocketClass = this.#options.WebSocket ?? globalThis.WebSocket;
    const socket = new WebSocketClass(url, [subProtocol]);
    this.#socket = socket;
    let opened = false;
    let waitMs: number | undefined;
    await new Promise<void>((resolve) => {
      const stop = () => socket.close(1000);
      signal.addEventListener("abort", stop, { once: true });
      socket.onopen = () => {
        if (socket.protocol !== subProtocol) {
          // A gateway (or proxy) without the sub-protocol: plain chat is no use here.
          socket.close(1000);
          return;
        }
        opened = true;
        this.#setState("open");
        this.#send({ type: "subscribe", id: this.#nextId(), topics: [...this.#topics.keys()].map((topic) => this.#subscription(topic)) });
        this.#scheduleRefresh(token);
      };
      socket.onmessage = (event) => {
        const frame = parseFrame(event.data);
        if (frame?.type === "reconnect" && typeof frame.delayMs === "number") {
          waitMs = frame.delayMs;
        } else if (frame) {
          this.#onFrame(frame);
        }
      };
      const end = () => {
        signal.removeEventListener("abort", stop);
        resolve();
      };
      socket.onclose = end;
      // A connection that fails before opening may report only an error (Node 20's WebSocket sends no close then).
      socket.onerror = () => {
        if (!opened) {
          end();
        }
      };
    });
    clearTimeout(this.#refreshTimer);
    this.#socket = undefined;
    return { opened, waitMs };
  }

  #onFrame(frame: Frame): void {
    switch (frame.type) {
      case "message": {
        const id = typeof frame.id === "string" ? frame.id : "";
        const topics = Array.isArray(frame.topics) ? (frame.topics as string[]) : [];
        if (id !== "") {
          for (const topic of topics) {
            if (this.#topics.has(topic)) {
              this.#topics.set(topic, id);
            }
          }
          this.#lastEventId = id;
          if (this.#recentIds.has(id)) {
            return;
          }
          this.#remember(id);
        }
        this.#emit("message", { event: String(frame.event ?? "message"), id, data: String(frame.data ?? ""), topics });
        return;
      }
      case "subscribed":
        if (frame.resume === "gap") {
          const topic = String(frame.topic);
          this.#emit("gap", { topic, lastEventId: this.#topics.get(topic) ?? "" });
        }
        return;
      case "ack":
        if (typeof frame.id === "string" && this.#refreshRequests.delete(frame.id)) {
          this.#emit("refreshed", undefined);
        }
        return;
      case "error":
        this.#emit("error", new PushGatewayError(0, { title: String(frame.code), detail: String(frame.message ?? "") }));
        return;
    }
  }

  /** One SSE stream, from the request to its end. */
  async #sseOnce(signal: AbortSignal): Promise<Attempt> {
    const topics = [...this.#topics.keys()];
    const url = new URL("sse?" + topics.map((topic) => "topic=" + encodeURIComponent(topic)).join("&"), this.#base);
    const state: SseState = { lastEventId: this.#lastEventId ?? "", retryMs: undefined };
    const headers: Record<string, string> = { ...(await this.#authorization()), Accept: "text/event-stream" };
    if (this.#lastEventId !== undefined) {
      headers["Last-Event-ID"] = this.#lastEventId;
    }
    const response = await fetch(url, { headers, signal, cache: "no-store" });
    if (!response.ok || !response.body) {
      if (!isWorthRetrying(response.status)) {
        // A refusal: tell the application, and try again later (its token callback may have a better answer).
        this.#emit("error", new PushGatewayError(response.status, await problemOf(response)));
      } else {
        await response.body?.cancel();
      }
      return { opened: false, waitMs: retryAfter(response) };
    }
    this.#setState("open");
    try {
      for await (const event of readEvents(response.body, state)) {
        if (event.event === "gap") {
          this.#emit("gap", { lastEventId: this.#lastEventId ?? "" });
          continue;
        }
        this.#lastEventId = event.lastEventId;
        for (const topic of this.#topics.keys()) {
          this.#topics.set(topic, event.lastEventId);
        }
        this.#emit("message", { event: event.event, id: event.lastEventId, data: event.data, topics: [] });
      }
    } catch (error) {
      if (!signal.aborted) {
        this.#emit("error", error);
      }
    }
    return { opened: true, waitMs: state.retryMs };
  }

  /**
   * Over WebSocket, a refresh frame with a new token when four fifths of the current one's lifetime (exp - iat) have
   * passed: measured on this machine's clock from when the token was taken, so a skewed clock does not matter.
   */
  #scheduleRefresh(token: string | undefined): void {
    const lifetime = token ? lifetimeOf(token) : undefined;
    if (lifetime === undefined || !this.#options.token) {
      return;
    }
    this.#refreshTimer = setTimeout(async () => {
      const fresh = await this.#options.token?.();
      if (fresh && this.#socket?.readyState === 1) {
        const id = this.#nextId();
        this.#refreshRequests.add(id);
        this.#send({ type: "refresh", id, token: fresh });
        this.#scheduleRefresh(fresh);
      }
    }, lifetime * 0.8);
  }

  #subscription(topic: string): string | { topic: string; lastEventId: string } {
    const lastEventId = this.#topics.get(topic);
    return lastEventId ? { topic, lastEventId } : topic;
  }

  #send(frame: Frame): void {
    this.#socket?.send(JSON.stringify(frame));
  }

  #nextId(): string {
    return "r" + ++this.#requests;
  }

  #remember(id: string): void {
    this.#recentIds.add(id);
    if (this.#recentIds.size > recentIdsKept) {
      this.#recentIds.delete(this.#recentIds.values().next().value!);
    }
  }

  async #authorization(): Promise<Record<string, string>> {
    const token = await this.#options.token?.();
    return token ? { Authorization: "Bearer " + token } : {};
  }

  /** Exponential from reconnectDelayMs, capped, drawn from the upper half of each step so that clients spread out. */
  #backoff(failures: number): number {
    const base = this.#options.reconnectDelayMs ?? 1000;
    const ceiling = Math.min(this.#options.maxReconnectDelayMs ?? 30000, base * 2 ** Math.min(failures, 16));
    return ceiling * (0.5 + Math.random() / 2);
  }

  #setState(state: ConnectionState): void {
    if (this.#state !== state) {
      this.#state = state;
      this.#emit("state", state);
    }
  }

  #emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      (listener as Listener<Events[K]>)(value);
    }
  }
}

type Frame = { type?: unknown } & Record<string, unknown>;

function parseFrame(data: unknown): Frame | undefined {
  try {
    const frame: unknown = typeof data === "string" ? JSON.parse(data) : undefined;
    return typeof frame === "object" && frame !== null ? (frame as Frame) : undefined;
  } catch {
    return undefined;
  }
}

/** A JWT's lifetime (exp - iat) in milliseconds, or undefined when the token is not one or lacks either claim. */
function lifetimeOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))) as { exp?: unknown; iat?: unknown };
    return typeof payload.exp === "number" && typeof payload.iat === "number" ? Math.max(0, payload.exp - payload.iat) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function isWorthRetrying(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function retryAfter(response: Response): number | undefined {
  const seconds = Number(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

async function problemOf(response: Response): Promise<PushGatewayError["problem"]> {
  try {
    return (await response.json()) as PushGatewayError["problem"];
  } catch {
    return undefined;
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
