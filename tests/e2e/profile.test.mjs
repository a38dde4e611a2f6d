// A receiver that cannot take the 720p encode is moved to the lower
// profile: Tessera drops 15% of the RTP it sends (test-only
// TESSERA_FAULT_TX_DROP), the browser's receiver reports show the loss,
// and within seconds the participant receives vp8-360p (640x360) instead
// of vp8-720p, starting at a keyframe.  Its NACKs are answered from the
// profile's packet history.
import {
  Suite, startServer, launchBrowser, openDemoPage, join, waitStats, request,
  assert, assertEq, addCleanShutdownStep, poll,
} from './lib.mjs';

const ROOM = 'profile-test';
const suite = new Suite('profile');
let server, browser, page;

suite.test('server with 15% outgoing RTP loss, one participant', async () => {
  server = suite.server = await startServer({ env: { TESSERA_FAULT_TX_DROP: '150' } });
  browser = await launchBrowser();
  ({ page } = await openDemoPage(browser, server, 'profile'));
  const r = await join(page, ROOM);
  assertEq(r.status, 201, 'WHIP status');
});

suite.test('it is moved to vp8-360p and decodes 640x360', async () => {
  const moved = await poll(async () => {
    const r = await request(`${server.base}/rooms/${ROOM}`);
    const p = r.json.participants[0];
    return p.profile === 'vp8-360p' ? p : null;
  }, 20000);
  assert(moved, 'the participant stayed on vp8-720p');
  console.log(`  profile ${moved.profile} after ${moved.age_ms} ms, switches `
    + `${moved.counters.profile_switches}`);
  const s = await waitStats(page, (x) => x.inboundVideo.frameWidth === 640, 15000);
  console.log(`  browser decodes ${s.stats.inboundVideo.frameWidth}x${s.stats.inboundVideo.frameHeight}`
    + ` (${s.stats.inboundVideo.framesDecoded} frames, ${s.stats.inboundVideo.packetsLost} packets lost)`);
  assert(s.ok, `browser still decodes ${s.stats.inboundVideo.frameWidth} wide`);
  assertEq(s.stats.inboundVideo.frameHeight, 360, 'frame height');
  assert(/profile vp8-720p -> vp8-360p/.test(server.log()), 'no log line for the switch');
});

suite.test('NACKs for the mixed video are answered from the profile history', async () => {
  const r = await request(`${server.base}/rooms/${ROOM}`);
  const c = r.json.participants[0].counters;
  const s = await waitStats(page, () => true, 1000);
  console.log(`  server resent ${c.resent} packets on NACK; browser: `
    + `${s.stats.inboundVideo.packetsReceived} received, ${s.stats.inboundVideo.packetsLost} lost, `
    + `${s.stats.inboundVideo.nackCount} NACKs`);
  assert(c.resent > 10, `only ${c.resent} packets resent`);
  assert(s.stats.inboundVideo.nackCount > 10, 'the browser sent no NACKs');
});

suite.finally(async () => { await browser?.close().catch(() => {}); });
addCleanShutdownStep(suite, () => server);
await suite.run();
