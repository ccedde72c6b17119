import { readEvents, type SseState } from "./sse.js";

/** Where the client's connection stands. */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** A message as the gateway sent it. */
export interface PushMessage {
  /** The event type: the publisher's, or "message". */
  event: string;
  /** The event id, which the client resumes after. */
  id: string;
  data: string;
}

/** The gateway no longer held some of what the client missed while away (history trimmed, or lost). */
export interface PushGap {
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
  /** Gives the token for "Authorization: Bearer", asked again for every connection and request. */
  token?: () => string | undefined | Promise<string | undefined>;
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
  error: unknown;
}

type Listener<T> = (value: T) => void;

/**
 * A connection to a PushGateway that stays subscribed: when its stream ends it reconnects (after the server's
 * retry:, a 503's Retry-After, or jittered exponential backoff) and resumes after the last id it delivered, so the
 * application sees each message once, in order, and a "gap" event when the gateway no longer held what was missed.
 */
export class PushClient {
  readonly #base: URL;
  readonly #options: PushClientOptions;
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #topics = new Set<string>();
  #state: ConnectionState = "closed";
  #lastEventId: string | undefined;
  #run: AbortController | undefined;

  constructor(options: PushClientOptions) {
    this.#options = options;
    this.#base = new URL(options.url);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The last event id delivered: pass it as lastEventId to a new client to resume where this one stopped. */
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
   * Subscribes to topics, from after lastEventId when given (else from now, or from the client's own last id).
   * Over SSE one stream carries every topic: changing the set reconnects it, resuming after the last id.
   */
  subscribe(topics: readonly string[], options: { lastEventId?: string } = {}): void {
    for (const topic of topics) {
      this.#topics.add(topic);
    }
    if (options.lastEventId !== undefined) {
      this.#lastEventId = options.lastEventId;
    }
    this.#restart();
  }

  unsubscribe(topics: readonly string[]): void {
    for (const topic of topics) {
      this.#topics.delete(topic);
    }
    this.#restart();
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
    void this.#stream([...this.#topics], run.signal);
  }

  async #stream(topics: string[], signal: AbortSignal): Promise<void> {
    const url = new URL("sse?" + topics.map((topic) => "topic=" + encodeURIComponent(topic)).join("&"), this.#base);
    let failures = 0;
    while (!signal.aborted) {
      this.#setState(failures === 0 && this.#state !== "reconnecting" ? "connecting" : "reconnecting");
      const state: SseState = { lastEventId: this.#lastEventId ?? "", retryMs: undefined };
      let wait: number | undefined;
      try {
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
          wait = retryAfter(response);
          failures++;
        } else {
          this.#setState("open");
          failures = 0;
          for await (const event of readEvents(response.body, state)) {
            if (event.event === "gap") {
              this.#emit("gap", { lastEventId: this.#lastEventId ?? "" });
              continue;
            }
            this.#lastEventId = event.lastEventId;
            this.#emit("message", { event: event.event, id: event.lastEventId, data: event.data });
          }
          wait = state.retryMs;
        }
      } catch (error) {
        if (signal.aborted) {
          return;
        }
        failures++;
        this.#emit("error", error);
      }
      if (signal.aborted) {
        return;
      }
      this.#setState("reconnecting");
      await delay(wait ?? this.#backoff(failures), signal).catch(() => undefined);
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
