// NACK end to end through the echo room: Tessera drops 3% of the RTP it
// sends (test-only TESSERA_FAULT_TX_DROP), the browser's receiver NACKs the
// holes, Tessera passes each NACK to the browser's own sender (SSRC
// swapped), the sender retransmits and the echo fills the hole.
import {
  Suite, startServer, launchBrowser, openDemoPage, join, waitStats, request,
  assert, addCleanShutdownStep,
} from './lib.mjs';

const ROOM = 'nack-test';
const suite = new Suite('nack');
let server, browser, page;

suite.test('server with 3% outgoing RTP loss', async () => {
  server = suite.server = await startServer({ mode: 'echo', env: { TESSERA_FAULT_TX_DROP: '30' } });
  assert(/fault injection: dropping 30\/1000/.test(server.log()), 'fault injection not active');
  browser = await launchBrowser();
  ({ page } = await openDemoPage(browser, server, 'nack'));
  const r = await join(page, ROOM);
  assert(r.status === 201, `WHIP status ${r.status}`);
});

suite.test('the receiver NACKs, the sender retransmits, video keeps decoding', async () => {
  const r = await waitStats(page, (s) => s.connectionState === 'connected'
    && s.inboundVideo.nackCount > 5
    && s.outboundVideo.retransmittedPacketsSent > 5
    && s.inboundVideo.framesDecoded > 50, 20000);
  const s = r.stats;
  console.log(`  after ${r.ms} ms: inbound video packets=${s.inboundVideo.packetsReceived} `
    + `lost=${s.inboundVideo.packetsLost} nacks sent=${s.inboundVideo.nackCount} `
    + `framesDecoded=${s.inboundVideo.framesDecoded}`);
  console.log(`  outbound video: packets=${s.outboundVideo.packetsSent} nacks received=`
    + `${s.outboundVideo.nackCount} retransmitted=${s.outboundVideo.retransmittedPacketsSent}`);
  assert(s.inboundVideo.nackCount > 5, `receiver sent only ${s.inboundVideo.nackCount} NACKs`);
  assert(s.outboundVideo.nackCount > 5, `sender got only ${s.outboundVideo.nackCount} NACKs`);
  assert(s.outboundVideo.retransmittedPacketsSent > 5,
    `sender retransmitted only ${s.outboundVideo.retransmittedPacketsSent} packets`);
  assert(s.inboundVideo.framesDecoded > 50, `only ${s.inboundVideo.framesDecoded} frames decoded`);
});

suite.test('the server counted the NACKs it passed on', async () => {
  const r = await request(`${server.base}/rooms/${ROOM}`);
  const c = r.json.participants[0].counters;
  console.log(`  server counters: nack_in=${c.nack_in} rtcp_in=${c.rtcp_in} rtcp_out=${c.rtcp_out} `
    + `rtp_in=${c.rtp_in} rtp_out=${c.rtp_out}`);
  assert(c.nack_in > 5, `server saw only ${c.nack_in} NACKs`);
  assert(c.rtcp_out >= c.rtcp_in - 2, 'RTCP not passed end to end');
});

addCleanShutdownStep(suite, () => server);
await suite.run();
