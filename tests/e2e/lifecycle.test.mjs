// Participant lifecycle: leaving with DELETE removes a participant at once;
// a browser that vanishes without DELETE is removed when consent expires.
import {
  Suite, startServer, launchBrowser, openDemoPage, join, leave, waitStats,
  request, poll, assert, assertEq, addCleanShutdownStep,
} from './lib.mjs';

const ROOM = 'life';
const CONSENT_TIMEOUT_MS = 10000;
const suite = new Suite('lifecycle');
let server, browser;

async function participants() {
  const r = await request(`${server.base}/rooms/${ROOM}`);
  if (r.status === 404) return [];
  assertEq(r.status, 200, `GET /rooms/${ROOM} status`);
  return r.json.participants || [];
}

async function joinAndConnect(label) {
  const t0 = Date.now();
  const { context, page } = await openDemoPage(browser, server, label);
  const t1 = Date.now();
  const j = await join(page, ROOM, { leaveOnPageHide: false });
  console.log(`  ${label}: page opened in ${t1 - t0} ms, WHIP join took ${Date.now() - t1} ms`);
  assertEq(j.status, 201, `${label}: WHIP status`);
  const id = j.location.split('/').pop();
  const r = await waitStats(page, (s) => s.connectionState === 'connected', 15000);
  console.log(`  ${label}: id ${id}, ${r.stats.connectionState} after ${r.ms} ms`);
  assert(r.ok, `${label} did not connect: ${r.stats.connectionState}`);
  const ps = await participants();
  const me = ps.find((p) => p.id === id);
  assert(me, `${label} (${id}) not listed in GET /rooms/${ROOM}`);
  assertEq(me.state, 'connected', `${label}: state in GET /rooms/${ROOM}`);
  return { context, page, id };
}

suite.test('server starts, browser launches', async () => {
  server = suite.server = await startServer({ consentTimeoutMs: CONSENT_TIMEOUT_MS });
  console.log(`  server on ${server.base}, consent timeout ${CONSENT_TIMEOUT_MS} ms, log ${server.logFile}`);
  browser = await launchBrowser();
});

suite.test('A joins, connects, leaves with DELETE: gone at once', async () => {
  const a = await joinAndConnect('A');
  const t0 = Date.now();
  const status = await leave(a.page);
  console.log(`  A: tessera.leave() -> DELETE ${status} in ${Date.now() - t0} ms`);
  assertEq(status, 200, 'DELETE status');
  const ps = await participants(); // immediately, no polling
  console.log(`  right after DELETE: ${ps.length} participant(s) in ${ROOM}`);
  assert(!ps.find((p) => p.id === a.id), `A (${a.id}) still listed right after DELETE`);
  const again = await request(`${server.base}/rooms/${ROOM}/participants/${a.id}`, { method: 'DELETE' });
  console.log(`  second DELETE of A -> ${again.status}`);
  assertEq(again.status, 404, 'second DELETE of the same participant');
  await a.context.close();
});

suite.test('B joins, connects, its browser context closes without DELETE: gone within 30 s', async () => {
  const b = await joinAndConnect('B');
  const t0 = Date.now();
  await b.context.close();
  const gone = await poll(async () => !(await participants()).find((p) => p.id === b.id), 30000, 250);
  const ms = Date.now() - t0;
  console.log(`  B removed ${gone ? `after ${(ms / 1000).toFixed(1)} s` : 'NOT within 30 s'} `
    + `(consent timeout ${CONSENT_TIMEOUT_MS / 1000} s)`);
  assert(gone, `B (${b.id}) still listed 30 s after its browser went away`);
  const r = await request(`${server.base}/rooms/${ROOM}`);
  console.log(`  GET /rooms/${ROOM} -> ${r.status} ${r.text.trim().slice(0, 200)}`);
});

suite.test('close browser', async () => { await browser.close(); browser = null; });
addCleanShutdownStep(suite, () => server);

suite.finally(async () => { if (browser) await browser.close(); });
suite.finally(() => { if (server) server.kill(); });

await suite.run();
