// Simulcast into an sfu room: a Chromium publisher sends three layers
// (rids q, h, f: 320x180, 640x360, 1280x720 of a moving test picture) and
// two subscribers receive it.  One says in its answers that it takes 250
// kbit/s (b=AS) and gets the small layer; the other, unlimited, gets a
// larger one, and the small one while it shows the video 200 px wide (its
// event channel tells the server the size).  Layers switch on keyframes, so both keep decoding.  Then
// the room mixes (PUT mode): with three in a 2x2 grid the mixer decodes
// the 640x360 layer for the publisher's 640x360 cell, and alone in the
// room (a 1280x720 cell) the 1280x720 one.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  Suite, startServer, launchBrowser, openDemoPage, join, leave, pageStats, request,
  assert, assertEq, addCleanShutdownStep, poll,
} from './lib.mjs';

const ROOM = 'simulcast-test';
const suite = new Suite('simulcast', { deadlineMs: 120000 });
let server;
const pub = { name: 'pub' };
const big = { name: 'unlimited' };
const small = { name: 'limited', maxKbps: 250 };

suite.test('server, a 1280x720 moving picture, three browsers', async () => {
  server = suite.server = await startServer({ mode: 'sfu' });
  const y4m = path.join(server.dir, 'testsrc.y4m');
  // a busy picture: each layer's bitrate grows with its size
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i',
    'testsrc2=size=1280x720:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', y4m]);
  pub.browser = await launchBrowser([`--use-file-for-fake-video-capture=${y4m}`]);
  ({ page: pub.page } = await openDemoPage(pub.browser, server, pub.name));
  for (const who of [big, small]) {
    who.browser = await launchBrowser();
    ({ page: who.page } = await openDemoPage(who.browser, server, who.name));
  }
});

suite.test('the publisher sends three simulcast layers', async () => {
  const r = await join(pub.page, ROOM, { name: pub.name, simulcast: true });
  assertEq(r.status, 201, 'WHIP status');
  pub.id = new URL(r.location).pathname.split('/').pop();
  const all = await poll(() => ['q', 'h', 'f'].every((rid) =>
    new RegExp(`simulcast layer ${rid} is ssrc`).test(server.log())), 15000);
  console.log(`  ${server.log().split('\n').filter((l) => /simulcast layer/.test(l))
    .map((l) => l.replace(/^.*: simulcast/, 'simulcast')).join('; ')}`);
  console.log(`  publisher's layers: ${JSON.stringify((await pageStats(pub.page)).outboundVideo.layers)}`);
  assert(all, 'the server did not see the three layers');
});

suite.test('an unlimited and a 250 kbit/s subscriber get different layers', async () => {
  for (const who of [big, small]) {
    const r = await join(who.page, ROOM, { name: who.name, maxKbps: who.maxKbps });
    assertEq(r.status, 201, 'WHIP status');
  }
  // the unlimited one shows it large (the demo page's tiles are ~340 px
  // wide, which the 320x180 layer covers)
  const tile = await poll(() => big.page.evaluate((id) => {
    const v = document.querySelector(`video[data-publisher="${id}"]`);
    if (v) v.style.width = '960px';
    return !!v;
  }, pub.id), 15000, 100);
  assert(tile, 'no tile for the publisher');
  const seen = {};
  const ok = await poll(async () => {
    for (const who of [big, small]) {
      const f = (await pageStats(who.page)).forwarded[pub.id];
      seen[who.name] = f;
      if (!f || f.framesDecoded < 30) return false;
    }
    return seen.limited.frameWidth === 320 && seen.unlimited.frameWidth > 320;
  }, 40000, 500);
  console.log(`  ${JSON.stringify(seen)}`);
  console.log(`  ${server.log().split('\n').filter((l) => /receives .*layer/.test(l))
    .map((l) => l.replace(/^.*\[sfu\] /, '')).join('\n  ')}`);
  assert(ok, 'the limited subscriber does not get the 320x180 layer while the other gets a larger one');
  // it keeps decoding
  const before = (await pageStats(small.page)).forwarded[pub.id].framesDecoded;
  const moving = await poll(async () =>
    (await pageStats(small.page)).forwarded[pub.id].framesDecoded > before + 20, 5000, 200);
  assert(moving, 'the limited subscriber stopped decoding');
  const room = await request(`${server.base}/rooms/${ROOM}`);
  assertEq(room.json.mode, 'sfu', 'mode');
});

suite.test('the unlimited one shows the video 200 px wide: it gets the small layer', async () => {
  const width = () => pageStats(big.page).then((x) => x.forwarded[pub.id].frameWidth);
  const before = await width();
  await big.page.evaluate((id) => {
    document.querySelector(`video[data-publisher="${id}"]`).style.width = '200px';
  }, pub.id);
  const small320 = await poll(async () => (await width()) === 320, 15000, 250);
  console.log(`  at 200 px wide: ${await width()} (was ${before})`);
  assert(small320, 'a 200 px tile still gets more than the 320x180 layer');
  await big.page.evaluate((id) => {
    document.querySelector(`video[data-publisher="${id}"]`).style.width = '960px';
  }, pub.id);
  const back = await poll(async () => (await width()) > 320, 15000, 250);
  console.log(`  at 960 px again: ${await width()}`);
  assert(back, 'a large tile does not get a larger layer again');
});

suite.test('mixing: the mixer decodes the smallest layer that covers the cell', async () => {
  const layerOf = async () => {
    const r = await request(`${server.base}/rooms/${ROOM}`);
    return r.json.participants.find((p) => p.id === pub.id);
  };
  let r = await request(`${server.base}/rooms/${ROOM}/mode`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"mode": "mix"}' });
  assertEq(r.status, 200, 'PUT mode mix');
  let p = await poll(async () => { const x = await layerOf(); return x.layer === 'h' ? x : null; }, 15000);
  console.log(`  three in the room: the mixer decodes ${p ? p.layer : (await layerOf()).layer}`);
  assert(p, 'with a 640x360 cell the mixer does not decode layer h');
  for (const who of [big, small]) assertEq(await leave(who.page), 200, 'DELETE');
  p = await poll(async () => { const x = await layerOf(); return x.layer === 'f' ? x : null; }, 15000);
  console.log(`  alone: the mixer decodes ${p ? p.layer : (await layerOf()).layer}`);
  assert(p, 'with a 1280x720 cell the mixer does not decode layer f');
  // and the mix shows it: frames go on, none failed to decode
  r = await request(`${server.base}/rooms/${ROOM}`);
  const f0 = r.json.mix.video_frames;
  const going = await poll(async () =>
    (await request(`${server.base}/rooms/${ROOM}`)).json.mix.video_frames > f0 + 20, 5000, 200);
  assert(going, 'the mix stopped');
  p = await layerOf();
  assertEq(p.counters.decode_errors, 0, 'decode errors');
  console.log(`  ${server.log().split('\n').filter((l) => /the mixer takes layer/.test(l))
    .map((l) => l.replace(/^.*: the mixer/, 'the mixer')).join('\n  ')}`);
});

suite.finally(async () => {
  for (const who of [pub, big, small]) if (who.browser) await who.browser.close().catch(() => {});
});

addCleanShutdownStep(suite, () => server);
await suite.run();
