// DTLS fingerprint check: the offer POSTed to Tessera carries a fingerprint
// that is well-formed but not the one of the browser's certificate. The SDP is
// acceptable (201), but the DTLS handshake must be refused, so the browser
// never reaches 'connected'.
import {
  Suite, startServer, launchBrowser, openDemoPage, join, pageStats, waitStats,
  request, poll, sleep, assert, assertEq, addCleanShutdownStep,
} from './lib.mjs';

const ROOM = 'fp-test';
const suite = new Suite('fingerprint');
let server, browser, page, location;

suite.test('server starts, page opens', async () => {
  server = suite.server = await startServer();
  console.log(`  server on ${server.base}, media udp ${server.mediaPort}, log ${server.logFile}`);
  browser = await launchBrowser();
  ({ page } = await openDemoPage(browser, server, 'bad-fp'));
});

suite.test('the fingerprint mangler keeps the format and changes the value', async () => {
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('audio');
    const offer = await pc.createOffer();
    pc.close();
    const fp = (sdp) => (sdp.match(/^a=fingerprint:sha-256 (\S+)/m) || [])[1];
    return { before: fp(offer.sdp), after: fp(window.tessera.manglers.fingerprint(offer.sdp)) };
  });
  console.log(`  real    ${r.before}\n  mangled ${r.after}`);
  assert(r.before && r.after, 'no sha-256 fingerprint found in the offer');
  assert(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(r.after), 'mangled fingerprint is not well-formed');
  assert(r.before !== r.after, 'mangled fingerprint equals the real one');
});

suite.test('WHIP accepts the offer (201)', async () => {
  const r = await join(page, ROOM, { mangleOffer: 'fingerprint' });
  location = r.location;
  console.log(`  POST /rooms/${ROOM}/whip -> ${r.status}, Location ${r.location}`);
  assertEq(r.status, 201, 'WHIP status');
});

suite.test('browser does not reach connected within 10 s', async () => {
  const t0 = Date.now();
  const seen = new Set();
  let s;
  while (Date.now() - t0 < 10000) {
    s = await pageStats(page);
    seen.add(s.connectionState);
    if (s.connectionState === 'connected') break;
    await sleep(250);
  }
  console.log(`  connection states seen in ${Date.now() - t0} ms: ${[...seen].join(', ')}; `
    + `final ${s.connectionState} (ice ${s.iceConnectionState}); `
    + `inbound video frames ${s.inboundVideo.framesDecoded}, audio packets ${s.inboundAudio.packetsReceived}`);
  assert(!seen.has('connected'), 'connection reached "connected" despite the wrong fingerprint');
  assertEq(s.inboundVideo.framesDecoded, 0, 'video frames decoded');
  assertEq(s.inboundAudio.packetsReceived, 0, 'audio packets received');
});

suite.test(`GET /rooms/${ROOM} does not show the participant as connected`, async () => {
  const r = await request(`${server.base}/rooms/${ROOM}`);
  console.log(`  GET /rooms/${ROOM} -> ${r.status} ${r.text.trim().slice(0, 400)}`);
  if (r.status === 404) return; // removed, room gone
  assertEq(r.status, 200, `GET /rooms/${ROOM} status`);
  const id = location.split('/').pop();
  const p = (r.json.participants || []).find((x) => x.id === id);
  if (!p) return; // removed
  assert(p.state !== 'connected', `participant ${id} is listed as connected`);
  console.log(`  participant ${id} still listed, state ${p.state}`);
});

suite.test('server log reports the fingerprint mismatch', async () => {
  const line = await poll(() => server.log().split('\n').find((l) => /fingerprint/i.test(l)), 3000);
  console.log(`  log line: ${line ? line.trim() : '(none)'}`);
  assert(line, 'no log line mentioning "fingerprint"');
});

// Control: the same server and browser connect fine with an honest offer, so
// the failure above is the fingerprint check and not something else.
suite.test('control: an unmangled join in the same room connects', async () => {
  const { page: good } = await openDemoPage(browser, server, 'good-fp');
  const j = await join(good, ROOM);
  assertEq(j.status, 201, 'WHIP status');
  const r = await waitStats(good, (s) => s.connectionState === 'connected'
    && s.inboundVideo.framesDecoded > 0, 15000);
  console.log(`  control: ${r.stats.connectionState} after ${r.ms} ms, `
    + `video frames ${r.stats.inboundVideo.framesDecoded}`);
  assert(r.ok, `control participant did not connect: ${r.stats.connectionState}`);
});

suite.test('close browser', async () => { await browser.close(); browser = null; });
addCleanShutdownStep(suite, () => server);

suite.finally(async () => { if (browser) await browser.close(); });
suite.finally(() => { if (server) server.kill(); });

await suite.run();
