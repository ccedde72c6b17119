// Benchmark peer: the classic `ws` broadcast server.
// Usage: node server.mjs [port]   (default 9000, loopback only)
// Every connection is both publisher and subscriber: any text message received
// is sent to every open client (the sender included), the same Buffer for all.
import { WebSocketServer, WebSocket } from 'ws';

const port = Number.parseInt(process.argv[2] ?? '9000', 10);

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });

wss.on('connection', (ws) => {
  // Abrupt disconnects (ECONNRESET, EPIPE, ...) surface here; ignore them quietly.
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    wss.clients.forEach((c) => {
      if (c.readyState === WebSocket.OPEN) c.send(data, { binary: false });
    });
  });
});

wss.on('error', (err) => {
  console.error(err);
  process.exit(1);
});

wss.on('listening', () => {
  console.log('READY');
});

// A peer must never die because of one bad socket.
process.on('uncaughtException', (err) => {
  if (err && ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT'].includes(err.code)) return;
  console.error(err);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
