// Subscribes this page's origin's gateway to ?topic= (default "news") and lists what arrives, gaps included.
import { PushClient } from "../dist/index.js";

const params = new URLSearchParams(location.search);
const topic = params.get("topic") ?? "news";
const client = new PushClient({ url: location.origin + "/", reconnectDelayMs: 100, maxReconnectDelayMs: 2000 });
const list = document.getElementById("messages");
document.getElementById("topic").textContent = topic;

function show(text, id) {
  const item = document.createElement("li");
  item.textContent = text; // data is text, never markup
  if (id) {
    item.dataset.id = id;
  }
  list.append(item);
}

document.getElementById("transport").textContent = client.transport;
client.on("transport", (transport) => (document.getElementById("transport").textContent = transport));
client.on("state", (state) => (document.getElementById("state").textContent = state));
client.on("message", (message) => show(message.data, message.id));
client.on("gap", () => show("(gap: some messages were no longer held)"));
client.subscribe([topic], params.has("lastEventId") ? { lastEventId: params.get("lastEventId") } : {});
