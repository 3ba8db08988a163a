/**
 * Helpers for tests that run real peers (Debian's prometheus, promtool, pushgateway, node_exporter,
 * python3) on 127.0.0.1: free ports, processes that are always stopped, temp dirs, repository paths.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder with the root package.json). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'packages')) || !existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('testkit: cannot find the repository root');
    dir = up;
  }
  return dir;
}

/** `../shared/conformance` beside the repository (override with VIGIL_SHARED=/path/to/shared). */
export function conformanceDir(...parts: string[]): string {
  const shared = process.env.VIGIL_SHARED ?? resolve(repoRoot(), '..', 'shared');
  return join(shared, 'conformance', ...parts);
}

/** A folder under the test output directory (printed by `npm test`), created if needed. */
export function testOutputDir(...parts: string[]): string {
  const base = process.env.VIGIL_TEST_OUTPUT ?? join(repoRoot(), 'test-output');
  const dir = join(base, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh temp directory and a function that removes it. */
export function tempDir(prefix = 'vigil-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** The path of a program on PATH, or undefined. */
export function which(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

/**
 * The path of a program a test needs. Missing programs fail the test with a message saying how to get
 * them (`npm test` installs them with scripts/install-test-deps.sh).
 */
export function requireProgram(name: string, debianPackage = name): string {
  const p = which(name);
  if (!p) throw new Error(`${name} not found: install Debian's ${debianPackage} (npm test does, via scripts/install-test-deps.sh)`);
  return p;
}

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts a program; it is killed when stopped, and in any case when the test process exits. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {},
): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 1 << 20) out = out.slice(-(1 << 19));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((res) => {
    child.on('exit', (code) => {
      running.delete(child);
      res(code);
    });
    child.on('error', (e) => {
      out += `\n[spawn error] ${e.message}`;
      running.delete(child);
      res(null);
    });
  });
  return {
    child,
    output: () => out,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Polls `url` until it answers with a 2xx status (or `timeoutMs` passes, then throws). */
export async function waitForHttp(url: string, timeoutMs = 20000, proc?: RunningProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc && proc.child.exitCode !== null) {
      throw new Error(`process exited (code ${proc.child.exitCode}) before ${url} answered:\n${proc.output().slice(-3000)}`);
    }
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) {
        await r.arrayBuffer();
        return;
      }
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${url} (last: ${last})${proc ? '\n' + proc.output().slice(-3000) : ''}`);
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs a program to completion and returns its exit code and output. */
export function runProgram(command: string, args: readonly string[], input?: string, cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { input, cwd, encoding: 'utf8', maxBuffer: 256 << 20, timeout: 300000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? `\n[spawn error] ${r.error.message}` : '') };
}

export { sampledAllocations, packageCode, type SampledAllocations } from './alloc.js';
export { pythonWithClient, startPythonHelloWorld, type PythonHelloWorld } from './python.js';
export { startPrometheus, type PrometheusOptions, type PrometheusPeer, type PrometheusVectorSample } from './prometheus.js';
export { xorshift32 } from './random.js';
