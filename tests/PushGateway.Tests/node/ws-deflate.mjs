// Connects to a /ws address with the `ws` package, permessage-deflate on (its default offer), and prints one JSON
// object per line: {"type":"open","extensions":"...","header":"..."} (the extensions in use, and the server's
// Sec-WebSocket-Extensions answer), then
// {"type":"message","data":"..."} for each message, until <count> have arrived.
//
//   node ws-deflate.mjs <url> <count> [textToSend]
//
// textToSend goes out once the socket is open; ws compresses it (its threshold is 1 KiB).
// exit codes: 0 = <count> messages received, 1 = error or closed early, 3 = timed out.
import WebSocket from 'ws';

const [url, countArg, text] = process.argv.slice(2);
const count = Number(countArg);
const print = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const exit = (code, obj) => process.stdout.write(JSON.stringify(obj) + '\n', () => process.exit(code));

setTimeout(() => exit(3, { type: 'error', error: 'timed out' }), 20_000).unref();
const socket = new WebSocket(url, { perMessageDeflate: true });
let received = 0;
let header;
socket.on('upgrade', (response) => { header = response.headers['sec-websocket-extensions']; });
socket.on('open', () => {
  print({ type: 'open', extensions: socket.extensions, header });
  if (text !== undefined) {
    socket.send(text, { compress: true });
  }
});
socket.on('message', (data, isBinary) => {
  print({ type: 'message', binary: isBinary, data: data.toString('utf8') });
  if (++received === count) {
    socket.close(1000);
    exit(0, { type: 'done' });
  }
});
socket.on('close', (code, reason) => exit(1, { type: 'closed', code, reason: reason.toString() }));
socket.on('error', (error) => exit(1, { type: 'error', error: String(error) }));
