// Benchmark peer: the classic Express Server-Sent Events broadcast server.
// Usage: node server.mjs [port]   (default 9000, loopback only)
//   GET  /sse      -> text/event-stream subscription
//   POST /publish  -> body (text/plain) is sent to every subscriber as `data: <body>\n\n`, 204
import express from 'express';

const port = Number.parseInt(process.argv[2] ?? '9000', 10);
const clients = new Set();
const app = express();

app.get('/sse', (req, res) => {
  // setHeader (not res.set) so Express does not append "; charset=utf-8".
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Connection', 'keep-alive');
  res.flushHeaders();
  res.write('retry: 1000\n\n');
  clients.add(res);
  req.on('close', () => clients.delete(res));
  // Abrupt disconnects must not crash the process.
  res.on('error', () => clients.delete(res));
});

app.post('/publish', express.text({ type: '*/*', limit: '1kb' }), (req, res) => {
  const body = typeof req.body === 'string' ? req.body : '';
  // Build the frame once; write the same Buffer to every open subscriber.
  const frame = Buffer.from(`data: ${body}\n\n`);
  for (const c of clients) {
    if (!c.writableEnded && !c.destroyed) c.write(frame);
  }
  res.sendStatus(204);
});

const server = app.listen(port, '127.0.0.1', (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log('READY');
});

// Keep-alive connections (and pipelined publishers) stay open; no per-socket request cap.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.requestTimeout = 0; // SSE responses live forever
server.maxRequestsPerSocket = 0;
server.on('clientError', (_err, socket) => socket.destroy());

process.on('uncaughtException', (err) => {
  if (err && ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT'].includes(err.code)) return;
  console.error(err);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
