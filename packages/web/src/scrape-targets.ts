/**
 * Synthetic scrape targets for the scraping benchmark: one process, one port, `/metrics/<i>` for each
 * of N targets, each exposing the same number of series in the text format (counters that grow, gauges
 * that wander, HELP and TYPE lines), values changing from scrape to scrape.
 *
 * Run as a program: `node scrape-targets.js <port> <targets> <seriesPerTarget>`; prints `ready` once
 * listening.
 */
import { createServer } from 'node:http';

const FAMILY_SIZE = 50;

/** The exposition of one target, as a function of time. */
export function targetBody(seriesPerTarget: number): (nowMs: number) => string {
  const prefixes: string[] = [];
  const kinds: boolean[] = [];
  const headers: string[] = [];
  const families = Math.ceil(seriesPerTarget / FAMILY_SIZE);
  for (let f = 0; f < families; f++) {
    const counter = f % 2 === 0;
    const name = counter ? `synthetic_requests_${f}_total` : `synthetic_load_${f}`;
    headers.push(`# HELP ${name} Synthetic ${counter ? 'counter' : 'gauge'} ${f}.\n# TYPE ${name} ${counter ? 'counter' : 'gauge'}\n`);
    for (let s = 0; s < FAMILY_SIZE && prefixes.length < seriesPerTarget; s++) {
      prefixes.push(`${name}{path="/api/v${s % 5}/item/${s}",method="${s % 3 === 0 ? 'POST' : 'GET'}",code="${200 + (s % 4)}"} `);
      kinds.push(counter);
    }
  }
  return (nowMs: number) => {
    const t = nowMs / 1000;
    let out = '';
    for (let i = 0; i < prefixes.length; i++) {
      if (i % FAMILY_SIZE === 0) out += headers[i / FAMILY_SIZE];
      const v = kinds[i] ? Math.floor(t * (1 + (i % 7))) : Math.round(500 + 400 * Math.sin(t / 60 + i)) / 10;
      out += prefixes[i] + v + '\n';
    }
    return out;
  };
}

export function serveTargets(port: number, targets: number, seriesPerTarget: number): Promise<() => Promise<void>> {
  const body = targetBody(seriesPerTarget);
  const server = createServer((req, res) => {
    const m = /^\/metrics\/(\d+)$/.exec(req.url ?? '');
    if (!m || Number(m[1]) >= targets) {
      res.writeHead(404).end();
      return;
    }
    const text = body(Date.now());
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((r) => server.close(() => r()))));
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [port, targets, series] = process.argv.slice(2).map(Number);
  void serveTargets(port, targets, series).then(() => console.log('ready'));
}
