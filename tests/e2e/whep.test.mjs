// WHEP viewer: one Chromium publisher joins a mix room with WHIP (the demo
// page); a second page watches the room with a recvonly offer POSTed to
// /rooms/{room}/whep and gets the 1280x720 mix and the audio mix without
// sending anything.  A viewer takes no cell of the layout; a sendrecv offer
// to /whep is refused (400), and so is a room that does not exist (404).
import {
  Suite, startServer, launchBrowser, openDemoPage, join, waitStats, request,
  assert, assertEq, addCleanShutdownStep, poll, withTimeout,
} from './lib.mjs';

const ROOM = 'whep-test';
const suite = new Suite('whep', { deadlineMs: 120000 });
let server, browser, publisher, viewer;
let pubId, viewerId, viewerLocation;

// An offer with an audio and a video transceiver of the given direction,
// made in the page (its peer connection is closed again).
function makeOffer(page, direction) {
  return withTimeout(page.evaluate(async (dir) => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: dir });
    pc.addTransceiver('audio', { direction: dir });
    const offer = await pc.createOffer();
    pc.close();
    return offer.sdp;
  }, direction), 5000, `createOffer(${direction})`);
}

const postWhep = (room, sdp) => request(`${server.base}/rooms/${room}/whep`, {
  method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: sdp,
});

// Inbound stats of the viewer's peer connection (window.whepPc).
function viewerStats(page) {
  return withTimeout(page.evaluate(async () => {
    const out = {
      state: window.whepPc.connectionState,
      video: { framesDecoded: 0, frameWidth: 0, frameHeight: 0, packetsReceived: 0 },
      audio: { packetsReceived: 0 },
      outboundRtp: 0,
    };
    (await window.whepPc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        out.video.framesDecoded += r.framesDecoded || 0;
        out.video.packetsReceived += r.packetsReceived || 0;
        out.video.frameWidth = Math.max(out.video.frameWidth, r.frameWidth || 0);
        out.video.frameHeight = Math.max(out.video.frameHeight, r.frameHeight || 0);
      }
      else if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out.audio.packetsReceived += r.packetsReceived || 0;
      }
      else if (r.type === 'outbound-rtp') {
        out.outboundRtp += r.packetsSent || 0;
      }
    });
    return out;
  }), 5000, 'viewer getStats()');
}

suite.test('server, one browser, publisher and viewer pages', async () => {
  server = suite.server = await startServer({ mode: 'mix' });
  console.log(`  server on ${server.base}, media udp ${server.mediaPort}`);
  browser = await launchBrowser();
  ({ page: publisher } = await openDemoPage(browser, server, 'publisher'));
  ({ page: viewer } = await openDemoPage(browser, server, 'viewer'));
});

suite.test('WHEP on a room that does not exist: 404, no room created', async () => {
  const r = await postWhep(ROOM, await makeOffer(viewer, 'recvonly'));
  console.log(`  POST /rooms/${ROOM}/whep -> ${r.status} ${r.text.trim()}`);
  assertEq(r.status, 404, 'WHEP status for a missing room');
  const g = await request(`${server.base}/rooms/${ROOM}`);
  assertEq(g.status, 404, 'GET of the room after a refused WHEP');
});

suite.test(`publisher joins '${ROOM}' with WHIP and gets the mix`, async () => {
  const r = await join(publisher, ROOM);
  assertEq(r.status, 201, 'WHIP status');
  pubId = new URL(r.location).pathname.split('/').pop();
  const s = await waitStats(publisher, (x) => x.connectionState === 'connected'
    && x.inboundVideo.framesDecoded > 10, 15000);
  console.log(`  publisher ${pubId}: ${s.stats.connectionState}, mix frames `
    + `${s.stats.inboundVideo.framesDecoded} after ${s.ms} ms`);
  assert(s.ok, `publisher did not connect: ${JSON.stringify(s.stats)}`);
});

suite.test('a sendrecv offer to /whep: 400', async () => {
  const r = await postWhep(ROOM, await makeOffer(viewer, 'sendrecv'));
  console.log(`  POST /rooms/${ROOM}/whep (sendrecv) -> ${r.status} ${r.text.trim()}`);
  assertEq(r.status, 400, 'WHEP status for a sendrecv offer');
  assert(r.json && /must be recvonly \(m-line \d+ is sendrecv\)/.test(r.json.error),
    `unexpected error body: ${r.text}`);
  const o = await request(`${server.base}/rooms/${ROOM}/whep`, { method: 'OPTIONS' });
  assertEq(o.status, 204, 'OPTIONS /whep');
});

suite.test('viewer POSTs a recvonly offer: 201, Location, mix within 15 s', async () => {
  const r = await withTimeout(viewer.evaluate(async (room) => {
    const pc = new RTCPeerConnection();
    window.whepPc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    // render what arrives, as a real viewer would
    pc.addEventListener('track', (ev) => {
      const el = document.createElement(ev.track.kind);
      el.muted = true;
      el.srcObject = new MediaStream([ev.track]);
      document.body.appendChild(el);
      el.play().catch(() => {});
    });
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(`/rooms/${room}/whep`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: pc.localDescription.sdp,
    });
    const body = await res.text();
    const location = res.headers.get('Location');
    if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: body });
    return { status: res.status, location, body: res.status === 201 ? '' : body };
  }, ROOM), 10000, 'WHEP in the viewer page');
  console.log(`  POST /rooms/${ROOM}/whep -> ${r.status}, Location ${r.location} ${r.body}`);
  assertEq(r.status, 201, 'WHEP status');
  assert(r.location && new RegExp(`^/rooms/${ROOM}/participants/[A-Za-z0-9]+$`).test(r.location),
    `Location is not /rooms/${ROOM}/participants/{id}: ${r.location}`);
  viewerLocation = r.location;
  viewerId = r.location.split('/').pop();

  const t0 = Date.now();
  let last = null;
  const ok = await poll(async () => {
    last = await viewerStats(viewer);
    return last.video.framesDecoded > 30 && last.video.frameWidth === 1280
      && last.audio.packetsReceived > 50;
  }, 15000, 250);
  console.log(`  viewer ${viewerId} after ${Date.now() - t0} ms: ${last.state}, video `
    + `${last.video.frameWidth}x${last.video.frameHeight} frames=${last.video.framesDecoded}`
    + ` packets=${last.video.packetsReceived}, audio packets=${last.audio.packetsReceived}`
    + `, sent ${last.outboundRtp} RTP`);
  assert(ok, `viewer did not get the mix: ${JSON.stringify(last)}`);
  assertEq(last.video.frameWidth, 1280, 'mix width');
  assertEq(last.video.frameHeight, 720, 'mix height');
  assertEq(last.outboundRtp, 0, 'RTP packets the viewer sent');
});

suite.test(`GET /rooms/${ROOM}: 2 participants, only the publisher has a cell`, async () => {
  let room = null;
  const ok = await poll(async () => {
    const r = await request(`${server.base}/rooms/${ROOM}`);
    room = r.json;
    return r.status === 200 && room.participants.length === 2 && room.mix
      && room.mix.cells.some((c) => c.participant === pubId);
  }, 3000);
  const shown = room && room.mix ? room.mix.cells.filter((c) => c.participant) : [];
  console.log(`  participants ${room ? room.participants.map((p) => `${p.id}:${p.state}`).join(' ') : '?'}`
    + `; layout ${room?.mix?.layout}: cells ${JSON.stringify(shown.map((c) => c.participant))}`);
  assert(ok, `room does not show 2 participants and the publisher's cell: ${JSON.stringify(room)}`);
  const ids = room.participants.map((p) => p.id).sort();
  assertEq(JSON.stringify(ids), JSON.stringify([pubId, viewerId].sort()), 'participant ids');
  assertEq(shown.length, 1, 'occupied cells');
  assertEq(shown[0].participant, pubId, 'participant in the cell');
});

suite.test('DELETE the viewer: 200, the room keeps its publisher', async () => {
  const r = await request(`${server.base}${viewerLocation}`, { method: 'DELETE' });
  assertEq(r.status, 200, `DELETE ${viewerLocation}`);
  const g = await request(`${server.base}/rooms/${ROOM}`);
  assertEq(g.status, 200, 'GET room');
  assertEq(JSON.stringify(g.json.participants.map((p) => p.id)), JSON.stringify([pubId]),
    'participants after the viewer left');
  await viewer.evaluate(() => window.whepPc.close());
});

suite.finally(async () => {
  await browser?.close().catch(() => {});
});
addCleanShutdownStep(suite, () => server);
await suite.run();
