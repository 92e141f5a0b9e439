// Starts the real mockroom server for end-to-end tests: builds it from the repository (or uses
// $MOCKROOM_BIN), runs it on a free loopback port with the embedded store (or with Redis when
// $MOCKROOM_TEST_REDIS_URL is set), and waits until /readyz answers.
//
// Kept outside test/ so `node --test` does not mistake it for a test file.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function buildBinary(dir) {
  if (process.env.MOCKROOM_BIN) return process.env.MOCKROOM_BIN;
  const out = join(dir, 'mockroom');
  execFileSync('go', ['build', '-o', out, './cmd/mockroom'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

// env adds variables for this server only (a test that needs, say, a short feedback deadline).
export async function startServer({ readyTimeoutMs = 20_000, env: extraEnv = {} } = {}) {
  // Point the tests at a server that is already running (e.g. `npm run dev` against a deployment).
  if (process.env.MOCKROOM_TEST_BASE_URL) {
    return { baseURL: process.env.MOCKROOM_TEST_BASE_URL.replace(/\/$/, ''), log: () => '(external server)', stop: async () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'mockroom-e2e-'));
  const bin = buildBinary(dir);
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    MOCKROOM_ADDR: `127.0.0.1:${port}`,
    MOCKROOM_PUBLIC_URL: baseURL,
    MOCKROOM_LOG_LEVEL: process.env.MOCKROOM_LOG_LEVEL || 'warn',
    ...extraEnv,
  };
  delete env.MOCKROOM_REDIS_URL;
  if (process.env.MOCKROOM_TEST_REDIS_URL) {
    env.MOCKROOM_REDIS_URL = process.env.MOCKROOM_TEST_REDIS_URL;
    // Every node of a Redis-backed deployment must share the signing secret.
    env.MOCKROOM_TOKEN_SECRET = env.MOCKROOM_TOKEN_SECRET || randomBytes(32).toString('hex');
  }
  const child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log += chunk;
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));

  const deadline = Date.now() + readyTimeoutMs;
  let ready = false;
  let early = null;
  exited.then((e) => (early = e));
  while (!ready && !early && Date.now() < deadline) {
    try {
      const res = await fetch(`${baseURL}/readyz`);
      ready = res.ok;
    } catch {
      /* not listening yet */
    }
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mockroom did not become ready at ${baseURL}${early ? ` (exited ${JSON.stringify(early)})` : ''}:\n${log}`);
  }
  return {
    baseURL,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
