// Corpus workload: a real Node HTTP server on the loopback port that keeps every request
// body in an array (the leak of incident 002), fed by its own client loop so that the case
// needs nothing else. Strings live on the V8 heap, so the heap limit ends it, not the cgroup.
// Usage: node [--max-old-space-size=N] server.js PORT [BODY_MIB] [EVERY_MS]
'use strict';
const http = require('http');
const v8 = require('v8');

const port = Number(process.argv[2]);
const bodyMib = Number(process.argv[3] || 1);
const everyMs = Number(process.argv[4] || 20);
const kept = []; // never trimmed: the bug

const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (chunk) => {
        body += chunk;
    });
    req.on('end', () => {
        kept.push(body);
        res.end(`${kept.length}\n`);
    });
});

server.listen(port, '127.0.0.1', () => {
    const limitMib = Math.round(v8.getHeapStatistics().heap_size_limit / 1048576);
    console.log(`node-server: listening on 127.0.0.1:${port}, V8 heap limit ${limitMib} MiB, ` +
                `keeping a ${bodyMib} MiB body every ${everyMs} ms`);
    const agent = new http.Agent({keepAlive: true, maxSockets: 1});
    const payload = Buffer.alloc(bodyMib << 20, 'x');
    const send = () => {
        const req = http.request({host: '127.0.0.1', port, method: 'POST', path: '/ingest', agent,
                                  headers: {'content-length': payload.length}},
                                 (res) => {
                                     res.resume();
                                     res.on('end', () => setTimeout(send, everyMs));
                                 });
        req.on('error', (e) => {
            console.error(`node-server: client: ${e.message}`);
            setTimeout(send, 100);
        });
        req.end(payload);
    };
    send();
});
