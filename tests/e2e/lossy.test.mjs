// A participant behind a lossy relay (tests/e2e/relay.mjs): 20 % loss and
// 40 ms ± 20 ms delay both ways for 10 s, in a mixed room with a direct
// participant.  The direct one's mix never stalls; the lossy one's cell
// recovers (its video decoded again, fresh) within 1 s of the loss
// stopping.  NACKs, retransmissions and keyframe requests are reported.
import {
  Suite, makeMedia, startServer, launchBrowser, openDemoPage, join, pageStats, request,
  assert, assertEq, addCleanShutdownStep, poll, sleep,
} from './lib.mjs';
import { startRelay } from './relay.mjs';

const ROOM = 'lossy-test';
const LOSS_S = 10;
const suite = new Suite('lossy', { deadlineMs: 120000 });
const direct = { name: 'direct', rgb: [230, 30, 30], tone: 330 };
const lossy = { name: 'lossy', rgb: [30, 40, 230], tone: 770 };
let server;
let relay;

const part = async (id) => (await request(`${server.base}/rooms/${ROOM}`)).json.participants
  .find((p) => p.id === id);

suite.test('server, relay and two browsers', async () => {
  server = suite.server = await startServer({ mode: 'mix' });
  relay = await startRelay({ targetPort: server.mediaPort, seed: 7 });
  for (const who of [direct, lossy]) {
    makeMedia(server.dir, who, '320x180');
    who.browser = await launchBrowser([
      `--use-file-for-fake-video-capture=${who.y4m}`,
      `--use-file-for-fake-audio-capture=${who.wav}`,
    ]);
    ({ page: who.page } = await openDemoPage(who.browser, server, who.name));
  }
});

suite.test('both join; one goes through the relay', async () => {
  for (const who of [direct, lossy]) {
    const r = await join(who.page, ROOM, { name: who.name,
      relayPort: who === lossy ? relay.port : 0 });
    assertEq(r.status, 201, 'WHIP status');
    who.id = new URL(r.location).pathname.split('/').pop();
  }
  const ok = await poll(async () => {
    const p = await part(lossy.id);
    return p && p.state === 'connected' && p.video_age_ms >= 0 && p.video_age_ms < 300
      && relay.stats.up > 100 && relay.stats.down > 100;
  }, 20000);
  const p = await part(lossy.id);
  console.log(`  through the relay: ${p.remote}, video age ${p.video_age_ms} ms; relay ${JSON.stringify(relay.stats)}`);
  assert(ok, 'the relayed participant never got its video into the mix');
  assert(relay.stats.up > 100 && relay.stats.down > 100, 'the relay carried nothing');
});

suite.test(`20 % loss, 40 ± 20 ms for ${LOSS_S} s: the direct one's mix never stalls`, async () => {
  const before = await part(lossy.id);
  relay.set({ loss: 0.2, delayMs: 40, jitterMs: 20 });
  let last = (await pageStats(direct.page)).inboundVideo.framesDecoded;
  let worst = 0;
  let stalls = 0;
  const t0 = Date.now();
  let tLast = t0;
  while (Date.now() - t0 < LOSS_S * 1000) {
    await sleep(250);
    const now = (await pageStats(direct.page)).inboundVideo.framesDecoded;
    if (now > last) {
      worst = Math.max(worst, Date.now() - tLast);
      tLast = Date.now();
      last = now;
    } else if (Date.now() - tLast > 1000) {
      stalls++;
      tLast = Date.now();
    }
  }
  relay.set({ loss: 0, delayMs: 0, jitterMs: 0 });
  const tStop = Date.now();
  lossy.stopped = tStop;
  const after = await part(lossy.id);
  const d = (k) => after.counters[k] - before.counters[k];
  console.log(`  relay ${JSON.stringify(relay.stats)}`);
  console.log(`  during the loss, for the lossy one: NACKs sent ${d('nack_out')}, keyframe requests `
    + `${d('pli_out')}, NACKs received ${d('nack_in')}, packets resent ${d('resent')}, `
    + `frames dropped ${d('frames_dropped')}`);
  console.log(`  the direct one's mix: longest gap between decoded frames ${worst} ms, stalls over 1 s: ${stalls}`);
  assertEq(stalls, 0, 'stalls of the direct participant\'s mix');
  assert(d('nack_out') > 0, 'no NACKs were sent for the lost packets');
  assert(d('nack_in') > 0 && d('resent') > 0, 'the lossy one\'s NACKs for the mix were not answered');
});

suite.test('the lossy one\'s cell recovers within 1 s after the loss stops', async () => {
  // recovered: its video decoded within the last 200 ms, for 2 s in a row
  let since = 0;
  let ms = null;
  await poll(async () => {
    const p = await part(lossy.id);
    if (p.video_age_ms >= 0 && p.video_age_ms < 200) {
      if (!since) since = Date.now();
      if (ms === null) ms = Date.now() - lossy.stopped;
      return Date.now() - since > 2000;
    }
    since = 0;
    ms = null;
    return false;
  }, 10000, 50);
  console.log(`  recovered ${ms} ms after the loss stopped`);
  assert(ms !== null && ms <= 1000, `recovery took ${ms} ms`);
  const png = await request(`${server.base}/rooms/${ROOM}/canvas.png`);
  assertEq(png.status, 200, 'canvas.png');
});

suite.finally(async () => {
  for (const who of [direct, lossy]) if (who.browser) await who.browser.close().catch(() => {});
  if (relay) relay.close();
});

addCleanShutdownStep(suite, () => server);
await suite.run();
