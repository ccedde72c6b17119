// Drives clients/js over the WebSocket sub-protocol with a token that must be refreshed: the token callback gives
// the first token once and the second ever after. Prints states, token requests, "refreshed", and the first message.
// Usage: node --experimental-websocket js-client-refresh.mjs <gateway url> <topic> <first token> <second token>
import { PushClient } from "../../../clients/js/dist/index.js";

const [url, topic, first, second] = process.argv.slice(2);
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");
let asked = 0;
const client = new PushClient({
  url,
  transports: ["websocket"],
  token: () => {
    print({ type: "token", n: ++asked });
    return asked === 1 ? first : second;
  },
  reconnectDelayMs: 20,
});

client.on("state", (state) => print({ type: "state", state }));
client.on("refreshed", () => print({ type: "refreshed" }));
client.on("error", (error) => print({ type: "error", message: String(error) }));
client.on("message", (message) => {
  print({ type: "message", ...message });
  client.close();
  process.exit(0);
});
client.subscribe([topic]);
setTimeout(() => {
  print({ type: "timeout" });
  process.exit(3);
}, 60_000).unref();
