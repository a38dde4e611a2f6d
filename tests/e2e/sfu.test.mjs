// SFU room: three Chromium participants, each sending its own solid colour
// and tone, join a room in mode sfu.  Each receives the two others' audio
// and video as tracks of their own, added by server-initiated
// renegotiation (an offer on the event channel, answered with PATCH), and
// shows each in a tile with the sender's colour.  A fourth joins: the
// three receive its tracks within 3 s.  One leaves: its tracks end at the
// others.  The server forwards: it decodes and encodes nothing.
import {
  Suite, makeMedia, startServer, launchBrowser, openDemoPage, join, leave, pageStats, request,
  assert, assertEq, addCleanShutdownStep, poll,
} from './lib.mjs';

const ROOM = 'sfu-test';
const PEOPLE = [
  { name: 'red', rgb: [230, 30, 30], tone: 330 },
  { name: 'green', rgb: [30, 200, 40], tone: 550 },
  { name: 'blue', rgb: [30, 40, 230], tone: 770 },
  { name: 'yellow', rgb: [230, 220, 30], tone: 990 },
];
const suite = new Suite('sfu', { deadlineMs: 150000 });
let server;


// The RGB at the centre of the tile showing publisher `id`, or null.
function tileColour(page, id) {
  return page.evaluate((pub) => {
    const v = document.querySelector(`video[data-publisher="${pub}"]`);
    if (!v || !v.videoWidth) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    return Array.from(g.getImageData(c.width >> 1, c.height >> 1, 1, 1).data.slice(0, 3));
  }, id);
}

const close = (a, b) => a && a.every((v, i) => Math.abs(v - b[i]) < 60);

// Waits until `who` decodes video from each of `from` (frames rising past
// minFrames) in tiles of the right colour; returns the ms it took.
async function waitForwarded(who, from, timeoutMs, minFrames = 10) {
  const t0 = Date.now();
  let last = null;
  const ok = await poll(async () => {
    last = await pageStats(who.page);
    for (const p of from) {
      const f = last.forwarded[p.id];
      if (!f || f.framesDecoded < minFrames || f.audioPackets < 20) return null;
      if (!close(await tileColour(who.page, p.id), p.rgb)) return null;
    }
    return true;
  }, timeoutMs, 100);
  const got = Object.fromEntries(await Promise.all(from.map(async (p) => [p.name,
    { ...(last && last.forwarded[p.id]), rgb: await tileColour(who.page, p.id) }])));
  console.log(`  ${who.name} after ${Date.now() - t0} ms: ${JSON.stringify(got)}`);
  assert(ok, `${who.name} does not show ${from.map((p) => p.name).join(', ')} `
    + `(offers ${last && last.offers}, answered ${last && last.answered})`);
  return Date.now() - t0;
}

suite.test('server, media files and four browsers', async () => {
  server = suite.server = await startServer({ mode: 'sfu' });
  for (const who of PEOPLE) {
    makeMedia(server.dir, who);
    who.browser = await launchBrowser([
      `--use-file-for-fake-video-capture=${who.y4m}`,
      `--use-file-for-fake-audio-capture=${who.wav}`,
    ]);
    ({ page: who.page } = await openDemoPage(who.browser, server, who.name));
  }
});

suite.test('three join an sfu room; each shows the two others in their colours', async () => {
  for (const who of PEOPLE.slice(0, 3)) {
    const r = await join(who.page, ROOM, { name: who.name });
    assertEq(r.status, 201, 'WHIP status');
    who.id = new URL(r.location).pathname.split('/').pop();
  }
  for (const who of PEOPLE.slice(0, 3)) {
    await waitForwarded(who, PEOPLE.slice(0, 3).filter((p) => p !== who), 20000);
  }
  // frames keep coming
  const before = await pageStats(PEOPLE[0].page);
  const moved = await poll(async () => {
    const now = await pageStats(PEOPLE[0].page);
    return PEOPLE.slice(1, 3).every((p) => now.forwarded[p.id].framesDecoded
      > before.forwarded[p.id].framesDecoded + 15);
  }, 3000, 200);
  assert(moved, 'forwarded frames stopped rising');
});

suite.test('the room is in sfu mode and decodes nothing', async () => {
  const r = await request(`${server.base}/rooms/${ROOM}`);
  assertEq(r.status, 200, 'GET /rooms/{room}');
  assertEq(r.json.mode, 'sfu', 'mode');
  for (const p of r.json.participants) {
    console.log(`  ${p.name}: tracks ${p.sfu && p.sfu.tracks} rtp in ${p.counters.rtp_in} out ${p.counters.rtp_out}`
      + ` pli out ${p.counters.pli_out}`);
    assertEq(p.sfu && p.sfu.tracks, 4, `${p.name}'s forwarded tracks`);
    assert(p.counters.rtp_out > p.counters.rtp_in, `${p.name} gets two streams' packets for its one`);
  }
  assert(!r.json.mix, 'an sfu room shows no mix (nothing is composed)');
});

suite.test('a fourth joins: the three receive its tracks within 3 s', async () => {
  const y = PEOPLE[3];
  const r = await join(y.page, ROOM, { name: y.name });
  assertEq(r.status, 201, 'WHIP status');
  const t0 = r.postedAt; // its WHIP request left
  y.id = new URL(r.location).pathname.split('/').pop();
  for (const who of PEOPLE.slice(0, 3)) await waitForwarded(who, [y], 10000, 1);
  // when each page got the track and its first frame, from the fourth's
  // WHIP request (the pages' clocks: the same machine's)
  const times = [];
  for (const who of PEOPLE.slice(0, 3)) {
    const f = (await pageStats(who.page)).forwarded[y.id];
    console.log(`  ${who.name}: track after ${f.trackAt - t0} ms, first frame after ${f.firstFrameAt - t0} ms`);
    times.push(f.firstFrameAt - t0);
  }
  assert(Math.max(...times) <= 3000, `the fourth's video reached the others after ${Math.max(...times)} ms`);
  await waitForwarded(y, PEOPLE.slice(0, 3), 15000);
});

suite.test('one leaves: its tiles go at the others, the rest keep flowing', async () => {
  const g = PEOPLE[1];
  assertEq(await leave(g.page), 200, 'DELETE status');
  for (const who of [PEOPLE[0], PEOPLE[2], PEOPLE[3]]) {
    const gone = await poll(() => who.page.evaluate((id) =>
      !document.querySelector(`video[data-publisher="${id}"]`), g.id), 5000, 100);
    assert(gone, `${who.name} still shows the one who left`);
  }
  await waitForwarded(PEOPLE[0], [PEOPLE[2], PEOPLE[3]], 5000);
});

suite.test('bad answers get 4xx with a reason', async () => {
  const base = `${server.base}/rooms/${ROOM}/participants/${PEOPLE[0].id}`;
  const patch = (body, ctype = 'application/sdp') => request(base, {
    method: 'PATCH', headers: { 'Content-Type': ctype }, body });
  let r = await patch('v=0\r\n');
  assertEq(r.status, 409, 'an answer with no offer out');
  assert(r.json && /no offer/.test(r.json.error), `reason: ${r.text}`);
  r = await patch('{}', 'application/json');
  assertEq(r.status, 415, 'wrong content type');
  r = await request(`${server.base}/rooms/${ROOM}/participants/AAAAAAAAAAAAAAAA`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0\r\n' });
  assertEq(r.status, 404, 'unknown participant');
});

suite.finally(async () => {
  for (const who of PEOPLE) if (who.browser) await who.browser.close().catch(() => {});
});

addCleanShutdownStep(suite, () => server);
await suite.run();
