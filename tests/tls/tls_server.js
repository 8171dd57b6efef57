// tls_server.js - a TLS peer for the plugin's transport tests: an HTTP/2
// server (with HTTP/1.1 fallback) on 127.0.0.1 that answers any POST with a
// short SSE stream whose text names the HTTP version the client used.
// Usage: node tls_server.js CERT.pem KEY.pem   (prints PORT=n, runs until killed)
'use strict';
const fs = require('fs');
const http2 = require('http2');

const [certFile, keyFile] = process.argv.slice(2);
const server = http2.createSecureServer({
  cert: fs.readFileSync(certFile),
  key: fs.readFileSync(keyFile),
  allowHTTP1: true,
});

function chunk(obj) {
  return 'data: ' + JSON.stringify(obj) + '\n\n';
}

server.on('request', (req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    let model = 'unknown';
    try { model = JSON.parse(body).model; } catch (e) { /* not JSON */ }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'http/' + req.httpVersion } }] }));
    res.write(chunk({ choices: [{ index: 0, delta: { content: ' model=' + model }, finish_reason: 'stop' }] }));
    res.write(chunk({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
    res.end('data: [DONE]\n\n');
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write('PORT=' + server.address().port + '\n');
});
process.on('SIGTERM', () => process.exit(0));
