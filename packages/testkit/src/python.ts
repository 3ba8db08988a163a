/**
 * Debian's python3 with python3-prometheus-client, and that client's hello-world program (a counter
 * `hello_worlds` served by `start_http_server`, "Hello World" on a second port) as a peer to scrape.
 */
import { existsSync } from 'node:fs';
import { freePort, requireProgram, runProgram, startProcess, waitForHttp, type RunningProcess } from './index.js';

/** Debian's python3 (the one that has python3-prometheus-client), not one from a version manager. */
export function pythonWithClient(): string {
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : requireProgram('python3', 'python3');
  const probe = runProgram(py, ['-c', 'import prometheus_client']);
  if (probe.status !== 0) throw new Error(`${py} cannot import prometheus_client: install Debian's python3-prometheus-client (npm test does)`);
  return py;
}

const HELLO_WORLD = `
import http.server, sys
from prometheus_client import start_http_server, Counter
c = Counter('hello_worlds', 'Hello Worlds requested.')
class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        c.inc()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"Hello World")
    def log_message(self, *args):
        pass
start_http_server(int(sys.argv[1]), addr='127.0.0.1')
http.server.HTTPServer(('127.0.0.1', int(sys.argv[2])), Hello).serve_forever()
`;

export interface PythonHelloWorld {
  readonly proc: RunningProcess;
  /** Where the client serves `/metrics`. */
  readonly metricsPort: number;
  /** Where "Hello World" is served; each GET increments `hello_worlds_total`. */
  readonly helloPort: number;
}

/** Starts the Python client's hello world on two free loopback ports and waits until both answer. */
export async function startPythonHelloWorld(): Promise<PythonHelloWorld> {
  const py = pythonWithClient();
  const metricsPort = await freePort();
  const helloPort = await freePort();
  const proc = startProcess(py, ['-c', HELLO_WORLD, String(metricsPort), String(helloPort)]);
  try {
    await waitForHttp(`http://127.0.0.1:${metricsPort}/metrics`, 15_000, proc);
    await waitForHttp(`http://127.0.0.1:${helloPort}/`, 15_000, proc);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  // Waiting made one hello-world request at least (more if one was slow): read the counter, not a tally.
  return { proc, metricsPort, helloPort };
}
