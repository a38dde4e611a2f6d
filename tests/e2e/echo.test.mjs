// Echo room: one browser participant joins 'echo-test' and gets its own
// audio and video back through Tessera.
import {
  Suite, startServer, launchBrowser, openDemoPage, join, waitStats, request,
  assert, assertEq, addCleanShutdownStep,
} from './lib.mjs';

const ROOM = 'echo-test';
const suite = new Suite('echo');
let server, browser, page;

suite.test('server starts and serves the demo page', async () => {
  server = suite.server = await startServer({ mode: 'echo' });
  console.log(`  server on ${server.base}, media udp ${server.mediaPort}, log ${server.logFile}`);
  const r = await request(`${server.base}/`);
  assertEq(r.status, 200, 'GET /');
  assert(/tessera/i.test(r.text), 'GET / does not look like the demo page');
  browser = await launchBrowser();
  ({ page } = await openDemoPage(browser, server, 'echo'));
});

suite.test(`join '${ROOM}': WHIP answers 201 with a Location`, async () => {
  const r = await join(page, ROOM);
  console.log(`  POST /rooms/${ROOM}/whip -> ${r.status}, Location ${r.location}`);
  assertEq(r.status, 201, 'WHIP status');
  assert(new URL(r.location).pathname.startsWith(`/rooms/${ROOM}/participants/`),
    `Location is not /rooms/${ROOM}/participants/{id}: ${r.location}`);
});

suite.test('connected, echoed video decoded and audio received within 15 s', async () => {
  const r = await waitStats(page, (s) => s.connectionState === 'connected'
    && s.inboundVideo.framesDecoded > 60
    && s.inboundVideo.frameWidth > 0
    && s.inboundAudio.packetsReceived > 100, 15000);
  const s = r.stats;
  console.log(`  after ${r.ms} ms: connectionState=${s.connectionState} ice=${s.iceConnectionState}`);
  console.log(`  inbound video: framesDecoded=${s.inboundVideo.framesDecoded} `
    + `size=${s.inboundVideo.frameWidth}x${s.inboundVideo.frameHeight} packets=${s.inboundVideo.packetsReceived}`);
  console.log(`  inbound audio: packetsReceived=${s.inboundAudio.packetsReceived} audioLevel=${s.inboundAudio.audioLevel}`);
  console.log(`  outbound: video packets=${s.outboundVideo.packetsSent} audio packets=${s.outboundAudio.packetsSent}`);
  assertEq(s.connectionState, 'connected', 'connectionState');
  assert(s.inboundVideo.framesDecoded > 60, `video framesDecoded ${s.inboundVideo.framesDecoded} <= 60`);
  assert(s.inboundVideo.frameWidth > 0, `video frameWidth ${s.inboundVideo.frameWidth} <= 0`);
  assert(s.inboundAudio.packetsReceived > 100, `audio packetsReceived ${s.inboundAudio.packetsReceived} <= 100`);
});

suite.test('the remote <video> element plays the echo', async () => {
  const v = await page.evaluate(() => {
    const el = document.getElementById('remote');
    return { w: el.videoWidth, h: el.videoHeight, paused: el.paused, t: el.currentTime };
  });
  console.log(`  <video id=remote>: ${v.w}x${v.h} paused=${v.paused} currentTime=${v.t.toFixed(2)}`);
  assert(v.w > 0 && v.h > 0, 'remote <video> has no picture');
  assert(!v.paused, 'remote <video> is paused');
});

suite.test(`GET /rooms/${ROOM} shows 1 participant, connected`, async () => {
  const r = await request(`${server.base}/rooms/${ROOM}`);
  console.log(`  GET /rooms/${ROOM} -> ${r.status} ${r.text.trim().slice(0, 400)}`);
  assertEq(r.status, 200, `GET /rooms/${ROOM} status`);
  assert(r.json && Array.isArray(r.json.participants), 'no participants array in the answer');
  assertEq(r.json.name, ROOM, 'room name');
  assertEq(r.json.participants.length, 1, 'participant count');
  assertEq(r.json.participants[0].state, 'connected', 'participant state');
  const list = await request(`${server.base}/rooms`);
  const entry = list.json && list.json.rooms && list.json.rooms.find((x) => x.name === ROOM);
  console.log(`  GET /rooms -> ${list.text.trim().slice(0, 200)}`);
  assert(entry, `GET /rooms does not list ${ROOM}`);
  assertEq(entry.participants, 1, 'participants in GET /rooms');
});

if (process.env.TESSERA_SCREENSHOT) {
  suite.test('screenshot', async () => {
    await page.screenshot({ path: process.env.TESSERA_SCREENSHOT });
    console.log(`  saved ${process.env.TESSERA_SCREENSHOT}`);
  });
}

// Shut down with the participant still connected: that must be clean too.
addCleanShutdownStep(suite, () => server);

suite.finally(async () => { if (browser) await browser.close(); });
suite.finally(() => { if (server) server.kill(); });

await suite.run();
