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
  /**
   * One "Hello World" request: the only kind that counts. Start-up waits on the metrics port alone, so
   * the counter holds exactly the requests made through here. A refused connection (the port not bound
   * yet) reached no handler and is retried; nothing else is, and no request is cut short.
   */
  hello(): Promise<string>;
}

/** Starts the Python client's hello world on two free loopback ports; resolves when its metrics answer. */
export async function startPythonHelloWorld(): Promise<PythonHelloWorld> {
  const py = pythonWithClient();
  const metricsPort = await freePort();
  const helloPort = await freePort();
  const proc = startProcess(py, ['-c', HELLO_WORLD, String(metricsPort), String(helloPort)]);
  try {
    await waitForHttp(`http://127.0.0.1:${metricsPort}/metrics`, 15_000, proc);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  const hello = async (): Promise<string> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        return await (await fetch(`http://127.0.0.1:${helloPort}/`)).text();
      } catch (e) {
        const refused = (e as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
        if (!refused || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  return { proc, metricsPort, helloPort, hello };
}
