// Shared set-up of the browser tests: a real mockroom server and fresh headless Chromium
// profiles launched the way this machine needs. Without Chromium a test file says plainly that it
// ran nothing; with CI=true it fails instead.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
export const WAIT = 15_000;

// browserTests defines a file's tests with define(env) when Chromium is there. env.newBrowser()
// opens a page in a fresh profile, env.browsers lists the open ones, env.server is the running
// server (from the first test on). options.serverEnv adds variables to that server's environment.
export function browserTests(fileURL, define, options = {}) {
  const haveChromium = existsSync(CHROMIUM);
  if (!haveChromium && process.env.CI === 'true') {
    test('chromium is installed', () => {
      assert.fail(`${CHROMIUM} is missing; CI must install it (apt-get install -y chromium) to run the browser tests`);
    });
    return;
  }
  if (!haveChromium) {
    console.log(`BROWSER TESTS LEFT OUT: ${CHROMIUM} is missing (apt-get install -y chromium). Nothing in ${fileURLToPath(fileURL)} ran.`);
    return;
  }

  const browsers = [];
  const dirs = [];
  const env = {
    server: null,
    browsers,
    async newBrowser() {
      const { chromium } = await import('playwright-core');
      const dir = mkdtempSync(join(tmpdir(), 'mockroom-chromium-'));
      dirs.push(dir);
      const ctx = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1440, height: 900 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      browsers.push(ctx);
      const page = ctx.pages()[0] || (await ctx.newPage());
      page.setDefaultTimeout(WAIT);
      const errors = [];
      page.on('pageerror', (err) => errors.push(err));
      // The server's Content-Security-Policy: anything it blocks is an error of the page.
      page.on('console', (msg) => {
        if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) errors.push(new Error(`CSP violation: ${msg.text()}`));
      });
      page.jsErrors = errors;
      return page;
    },
  };

  before(async () => {
    env.server = await startServer({ env: options.serverEnv });
  });

  after(async () => {
    for (const b of browsers) await b.close().catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    if (env.server) await env.server.stop();
  });

  define(env);
}
