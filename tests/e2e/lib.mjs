// Shared helpers for Tessera's end-to-end tests.
//
// Each *.test.mjs is a standalone node script run by ctest as `node X.test.mjs`
// with TESSERA_BIN (server binary) and TESSERA_ROOT (source tree) in the
// environment. A test starts its own server on free ports with a temp config,
// drives it (with headless Chromium where needed), and prints a closing line
// `e2e NAME: N passed, M failed`.

import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TESSERA_ROOT = path.resolve(process.env.TESSERA_ROOT || path.join(HERE, '..', '..'));
export const TESSERA_BIN = process.env.TESSERA_BIN || path.join(TESSERA_ROOT, 'build', 'tessera');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- assertions ----

export class AssertionError extends Error {}

export function assert(cond, msg) {
  if (!cond) throw new AssertionError(msg);
}

export function assertEq(actual, expected, what) {
  if (actual !== expected) {
    throw new AssertionError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// Calls fn until it returns a truthy value (returned) or timeoutMs passes
// (returns null). fn may be async; a throw counts as "not yet".
export async function poll(fn, timeoutMs, intervalMs = 250) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch { /* not yet */ }
    if (Date.now() >= end) return null;
    await sleep(Math.min(intervalMs, Math.max(0, end - Date.now())));
  }
}

// Races a promise against a deadline, so no single step can hang the script.
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---- HTTP ----

// fetch with a bounded wait; returns { status, headers, text, json } (json null if not JSON).
export async function request(url, opts = {}) {
  const res = await fetch(url, { ...opts, signal: AbortSignal.timeout(opts.timeoutMs || 5000) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

export const getJson = (url) => request(url);

// ---- free ports ----

export function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

// ---- cleanup on any exit ----

const exitHooks = new Set();
function runExitHooks() {
  for (const fn of exitHooks) {
    try { fn(); } catch { /* best effort */ }
  }
  exitHooks.clear();
}
process.on('exit', runExitHooks);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { runExitHooks(); process.exit(130); });
}

// ---- the server ----

// Starts tessera with a temp config on free ports and waits until GET /rooms answers
// (200, or 401 when auth.required is in configExtra).
// Overload fallback (mixer.fallback_after_s) is off unless `fallback` is true.
// httpExtra, roomsExtra and mixerExtra are lines added to those sections.
// Returns { base, httpPort, mediaPort, dir, logFile, log(), stop(), proc }.
export async function startServer({
  configExtra = '', consentTimeoutMs = 10000, env = {}, mode = 'mix', mixerExtra = '',
  roomsExtra = '', httpExtra = '', fallback = false, sip = false, sipExtra = '',
  layoutsFile = path.join(TESSERA_ROOT, 'conf', 'layouts.yaml'),
} = {}) {
  if (!fs.existsSync(TESSERA_BIN)) throw new Error(`TESSERA_BIN not found: ${TESSERA_BIN}`);
  const httpPort = await freeTcpPort();
  const mediaPort = await freeUdpPort();
  // SIP on a free port; each test its own RTP port range (a busy pair is
  // skipped, so tests running at once only cost each other a retry)
  const sipPort = sip ? await freeUdpPort() : 0;
  const rtpMin = 30000 + 2 * Math.floor(Math.random() * 10000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-'));
  const configFile = path.join(dir, 'tessera.yaml');
  const logFile = path.join(dir, 'server.log');
  fs.writeFileSync(configFile, [
    'log:',
    '  level: info',
    'http:',
    '  listen: 127.0.0.1',
    `  port: ${httpPort}`,
    `  web_root: ${path.join(TESSERA_ROOT, 'web')}`,
    httpExtra,
    sip ? [
      'sip:',
      '  enabled: true',
      '  listen: 127.0.0.1',
      `  port: ${sipPort}`,
      `  rtp_port_min: ${rtpMin}`,
      `  rtp_port_max: ${rtpMin + 199}`,
      sipExtra,
    ].join('\n') : '',
    'media:',
    '  listen: 127.0.0.1',
    `  port: ${mediaPort}`,
    '  announce: 127.0.0.1',
    'ice:',
    `  consent_timeout_ms: ${consentTimeoutMs}`,
    'rooms:',
    `  default_mode: ${mode}`,
    roomsExtra,
    'mixer:',
    `  layouts: ${layoutsFile}`,
    // a loaded test machine must not turn mixed rooms into sfu ones
    fallback ? '' : '  fallback_after_s: 0',
    mixerExtra,
    // recordings go to the test's temp dir unless the test says where
    /^recording:/m.test(configExtra) ? '' : `recording:\n  dir: ${path.join(dir, 'recordings')}`,
    configExtra,
  ].join('\n') + '\n');

  const logStream = fs.createWriteStream(logFile);
  let logText = '';
  const proc = spawn(TESSERA_BIN, ['--config', configFile], {
    cwd: TESSERA_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const capture = (chunk) => { logText += chunk.toString(); logStream.write(chunk); };
  proc.stdout.on('data', capture);
  proc.stderr.on('data', capture);

  let exited = null; // { code, signal } once the process ended
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
  });
  const kill = () => { if (!exited) proc.kill('SIGKILL'); };
  exitHooks.add(kill);

  const base = `http://127.0.0.1:${httpPort}`;
  const server = {
    base, httpPort, mediaPort, sipPort, dir, configFile, logFile, proc,
    log: () => logText,
    exited: () => exited,
    // SIGTERM, then require exit code 0 within timeoutMs. Returns { code, signal, ms }.
    async stop(timeoutMs = 5000) {
      exitHooks.delete(kill);
      if (exited) return { ...exited, ms: 0, alreadyExited: true };
      const t0 = Date.now();
      proc.kill('SIGTERM');
      const r = await Promise.race([exitPromise, sleep(timeoutMs).then(() => null)]);
      if (!r) {
        proc.kill('SIGKILL');
        await exitPromise;
        logStream.end();
        return { code: null, signal: 'SIGKILL', ms: Date.now() - t0, hung: true };
      }
      logStream.end();
      return { ...r, ms: Date.now() - t0 };
    },
    kill,
  };

  const up = await poll(async () => {
    if (exited) return 'exited';
    const r = await request(`${base}/rooms`, { timeoutMs: 1000 });
    return r.status === 200 || r.status === 401 ? 'up' : null;
  }, 10000, 100);
  if (up !== 'up') {
    kill();
    await Promise.race([exitPromise, sleep(1000)]);
    dumpLog(server);
    throw new Error(up === 'exited'
      ? `tessera exited during startup (${JSON.stringify(exited)})`
      : 'tessera did not answer GET /rooms within 10 s');
  }
  return server;
}

export function dumpLog(server, lines = 80) {
  if (!server) return;
  const all = server.log().split('\n');
  const tail = all.slice(-lines).join('\n');
  // stdout, like everything else, so the dump stays in order in ctest's log.
  console.log(`---- server log (${server.logFile}, last ${Math.min(lines, all.length)} lines) ----`);
  console.log(tail);
  console.log('---- end of server log ----');
}

// ---- the browser ----

// Whether a cell of the room's canvas.png (fetched and read by `page`) is
// a placeholder: a dark fill with a name in light letters.  Returns
// { light, dark, total, placeholder }.
export async function placeholderCell(page, pngUrl, cell) {
  const r = await page.evaluate(async ([url, c]) => {
    const img = await createImageBitmap(await (await fetch(url)).blob());
    const cv = document.createElement('canvas');
    cv.width = img.width;
    cv.height = img.height;
    const g = cv.getContext('2d', { willReadFrequently: true });
    g.drawImage(img, 0, 0);
    // inside the cell, clear of its border
    const x = Math.ceil(c.x * img.width) + 8;
    const y = Math.ceil(c.y * img.height) + 8;
    const w = Math.floor(c.w * img.width) - 16;
    const h = Math.floor(c.h * img.height) - 16;
    const d = g.getImageData(x, y, w, h).data;
    let light = 0;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) {
      const l = (d[i] + d[i + 1] + d[i + 2]) / 3;
      if (l > 200) light++;
      else if (l < 80) dark++;
    }
    return { light, dark, total: w * h };
  }, [pngUrl, cell]);
  return { ...r, placeholder: r.light > 100 && r.dark > 0.8 * r.total };
}

// Writes a 2 s solid-colour Y4M (who.rgb, `size` at 30 fps) and a 5 s sine
// WAV (who.tone Hz) into dir, for Chromium's fake capture devices; sets
// who.y4m and who.wav.
export function makeMedia(dir, who, size = '640x360') {
  const hex = who.rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
  who.y4m = path.join(dir, `${who.name}.y4m`);
  who.wav = path.join(dir, `${who.name}.wav`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i',
    `color=c=0x${hex}:size=${size}:rate=30`, '-t', '2', '-pix_fmt', 'yuv420p', who.y4m]);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i',
    `sine=frequency=${who.tone}:sample_rate=48000`, '-t', '5', '-ac', '1', who.wav]);
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-quic',
];

export async function launchBrowser(extraArgs = []) {
  const { chromium } = await import('playwright-core');
  const browser = await withTimeout(
    chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] }),
    30000, 'launching chromium');
  exitHooks.add(() => {
    // Synchronous best effort: kill the browser process if it is still up.
    try { browser.process?.()?.kill('SIGKILL'); } catch { /* gone */ }
  });
  return browser;
}

// Opens the demo page in a fresh context; console errors are echoed (prefixed with label).
export async function openDemoPage(browser, server, label = 'page') {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      console.log(`  [${label} console.${msg.type()}] ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => console.log(`  [${label} pageerror] ${err.message}`));
  await page.goto(`${server.base}/`, { timeout: 10000 });
  await page.waitForFunction(() => !!window.tessera, null, { timeout: 5000 });
  return { context, page };
}

// Calls tessera.join in the page; resolves to { status, location } or throws the page's error.
export function join(page, room, opts = {}) {
  return withTimeout(
    page.evaluate(([r, o]) => window.tessera.join(r, o), [room, opts]),
    15000, `tessera.join(${room})`);
}

// Reads the page's received <video id="remote"> into a canvas and returns
// the RGB at each of the given points (fractions of the picture).
export function sampleVideo(page, points) {
  return page.evaluate((pts) => {
    const v = document.getElementById('remote');
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    return pts.map(([x, y]) => Array.from(
      g.getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data.slice(0, 3)));
  }, points);
}

export function pageStats(page) {
  return withTimeout(page.evaluate(() => window.tessera.stats()), 5000, 'tessera.stats()');
}

export function leave(page) {
  // (a page decoding several streams on a loaded machine can be slow)
  return withTimeout(page.evaluate(() => window.tessera.leave()), 15000, 'tessera.leave()');
}

// Polls page stats until pred(stats) holds or timeoutMs passes; returns { ok, stats, ms }.
export async function waitStats(page, pred, timeoutMs) {
  const t0 = Date.now();
  let last = null;
  const ok = await poll(async () => {
    last = await pageStats(page);
    return pred(last);
  }, timeoutMs, 250);
  return { ok: !!ok, stats: last, ms: Date.now() - t0 };
}

// ---- a tiny test runner ----

// Usage:
//   const t = new Suite('echo');
//   t.test('name', async () => { ... });      // steps run in order
//   t.finally(async () => { ... });            // cleanup, always runs
//   await t.run();                             // prints the summary, exits
//
// A failing step is reported; with `stopOnFail` (the default: later steps
// usually depend on earlier ones and would only repeat the failure) the
// remaining steps are skipped and counted as skipped.
export class Suite {
  constructor(name, { deadlineMs = 85000, stopOnFail = true } = {}) {
    this.name = name;
    this.deadlineMs = deadlineMs;
    this.stopOnFail = stopOnFail;
    this.steps = [];
    this.cleanups = [];
    this.server = null; // set by tests so failures dump its log
  }

  test(name, fn) { this.steps.push({ name, fn }); }
  finally(fn) { this.cleanups.push(fn); }

  async run() {
    const t0 = Date.now();
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let dump = false;
    const deadline = setTimeout(() => {
      console.error(`e2e ${this.name}: whole script exceeded ${this.deadlineMs} ms, aborting`);
      if (this.server) dumpLog(this.server);
      console.log(`e2e ${this.name}: ${passed} passed, ${failed + 1} failed`);
      process.exit(1);
    }, this.deadlineMs);
    deadline.unref();

    let stop = false;
    for (const step of this.steps) {
      if (stop) {
        console.log(`skip - ${step.name} (after an earlier failure)`);
        skipped++;
        continue;
      }
      const s0 = Date.now();
      try {
        await step.fn();
        passed++;
        console.log(`ok - ${step.name} (${Date.now() - s0} ms)`);
      } catch (err) {
        failed++;
        dump = true;
        console.log(`not ok - ${step.name} (${Date.now() - s0} ms)`);
        console.log(`  ${err instanceof AssertionError ? '' : 'error: '}${err.message}`);
        if (!(err instanceof AssertionError) && err.stack) {
          console.log(err.stack.split('\n').slice(1, 4).map((l) => `  ${l.trim()}`).join('\n'));
        }
        if (this.stopOnFail) stop = true;
      }
    }
    for (const fn of this.cleanups) {
      try {
        await withTimeout(Promise.resolve().then(fn), 15000, 'cleanup');
      } catch (err) {
        console.log(`cleanup error: ${err.message}`);
      }
    }
    if (dump && this.server) dumpLog(this.server);
    // Keep the temp dir (config + server log) only when something failed.
    if (!failed && this.server) fs.rmSync(this.server.dir, { recursive: true, force: true });
    clearTimeout(deadline);
    console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`e2e ${this.name}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    runExitHooks();
    process.exit(failed ? 1 : 0);
  }
}

// Standard steps every server test ends with: the server shuts down cleanly.
export function addCleanShutdownStep(suite, getServer) {
  suite.test('server exits 0 within 5 s of SIGTERM', async () => {
    const server = getServer();
    assert(server, 'no server to stop');
    const r = await server.stop(5000);
    console.log(`  shutdown: code=${r.code} signal=${r.signal} after ${r.ms} ms`);
    assert(!r.alreadyExited, `server had already exited before SIGTERM: ${JSON.stringify(r)}`);
    assert(!r.hung, 'server did not exit within 5 s of SIGTERM (killed)');
    assertEq(r.code, 0, 'exit code after SIGTERM');
  });
}
