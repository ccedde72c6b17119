// Drives clients/js (the built @pushgateway/client) for PushGateway.Tests: subscribes to one topic, prints every
// event as a JSON line, and after `count` messages publishes one itself twice under one idempotency key, prints both
// answers and waits to receive it.
// Usage: node [--experimental-websocket] js-client.mjs <gateway url> <topic> <last event id or ""> <count> <mode>
// mode: websocket or sse (that transport only), or blocked-websocket (both, with a WebSocket that never connects).
import { PushClient } from "../../../clients/js/dist/index.js";

const [url, topic, lastEventId, count, transport] = process.argv.slice(2);
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");
// As where a proxy or firewall stops WebSockets: every one fails to connect.
class BlockedWebSocket extends WebSocket {
  constructor(_url, protocols) {
    super("ws://127.0.0.1:9/", protocols);
  }
}
const client = new PushClient({
  url,
  ...(transport === "blocked-websocket" ? { WebSocket: BlockedWebSocket } : { transports: [transport] }),
  reconnectDelayMs: 20,
  maxReconnectDelayMs: 200,
});
const seen = new Set();
let published;
let republished = false;

client.on("state", (state) => print({ type: "state", state }));
client.on("transport", (transport) => print({ type: "transport", transport }));
client.on("wait", (wait) => print({ type: "wait", ...wait }));
client.on("gap", (gap) => print({ type: "gap", ...gap }));
client.on("error", (error) => print({ type: "error", message: String(error) }));
client.on("message", async (message) => {
  print({ type: "message", ...message });
  seen.add(message.id);
  if (seen.size === 1) {
    // Subscribed for sure once something arrived: the gateway counts this client.
    // (A test may stop the gateway meanwhile: then the answer is an error, and the client carries on.)
    print(await client.presence(topic).then((presence) => ({ type: "presence", ...presence }), (error) => ({ type: "error", message: String(error) })));
  }
  if (published === undefined && seen.size === Number(count)) {
    // Its own message may arrive over the stream before the publish's answer does. The same publish again
    // (as a retry would be) is answered from the first.
    published = await client.publish(topic, "from node", { event: "update", idempotencyKey: "js-client-test" });
    print({ type: "published", ...published });
    print({ type: "republished", ...(await client.publish(topic, "from node", { event: "update", idempotencyKey: "js-client-test" })) });
    republished = true;
  }
  if (republished && seen.has(published.id)) {
    client.close();
    process.exit(0);
  }
});
client.subscribe([topic], lastEventId ? { lastEventId } : {});
setTimeout(() => {
  print({ type: "timeout" });
  process.exit(3);
}, 60_000).unref();
