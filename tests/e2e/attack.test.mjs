// Transport attacks against the media port while two browsers are in a
// mixed room (one of them reaches the server through tests/e2e/relay.mjs,
// whose address is the one the server validated for it):
//  - STUN with the participant's USERNAME but a wrong MESSAGE-INTEGRITY,
//    and with a wrong USERNAME, from another port: no address is learned;
//  - a DTLS ClientHello from an address ICE never validated: ignored;
//  - the participant's own SRTP packets replayed, and forged (one byte
//    flipped), from its validated address: dropped and counted;
//  - 5,000 packets/s of random bytes and truncated packets for 10 s, from
//    a stranger and from the validated address: no crash, no stall.
// Both calls keep decoding throughout.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import {
  Suite, makeMedia, startServer, launchBrowser, openDemoPage, join, pageStats, request,
  assert, assertEq, addCleanShutdownStep, poll, sleep,
} from './lib.mjs';
import { startRelay } from './relay.mjs';

const ROOM = 'attack-test';
const suite = new Suite('attack', { deadlineMs: 150000 });
const direct = { name: 'direct', rgb: [230, 30, 30], tone: 330 };
const relayed = { name: 'relayed', rgb: [30, 40, 230], tone: 770 };
let server;
let relay;
let stranger;

const part = async (id) => (await request(`${server.base}/rooms/${ROOM}`)).json.participants
  .find((p) => p.id === id);

// CRC-32 (ISO-HDLC) for STUN's FINGERPRINT
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// A Binding request with USERNAME, a MESSAGE-INTEGRITY of random bytes
// and a correct FINGERPRINT
function stunRequest(username) {
  const attr = (type, value) => {
    const pad = (4 - (value.length % 4)) % 4;
    const a = Buffer.alloc(4 + value.length + pad);
    a.writeUInt16BE(type, 0);
    a.writeUInt16BE(value.length, 2);
    value.copy(a, 4);
    return a;
  };
  const prio = Buffer.alloc(4);
  prio.writeUInt32BE(0x6e7f1eff);
  const body = Buffer.concat([
    attr(0x0006, Buffer.from(username)),
    attr(0x0024, prio),
    attr(0x802a, crypto.randomBytes(8)),
    attr(0x0025, Buffer.alloc(0)),
    attr(0x0008, crypto.randomBytes(20)),
  ]);
  const hdr = Buffer.alloc(20);
  hdr.writeUInt16BE(0x0001, 0);
  hdr.writeUInt32BE(0x2112a442, 4);
  crypto.randomBytes(12).copy(hdr, 8);
  hdr.writeUInt16BE(body.length + 8, 2);
  const msg = Buffer.concat([hdr, body]);
  const fp = Buffer.alloc(4);
  fp.writeUInt32BE((crc32(msg) ^ 0x5354554e) >>> 0);
  return Buffer.concat([msg, attr(0x8028, fp)]);
}

// Frames the direct browser decoded; throws unless they rose by `min`
// within `ms`
async function stillDecoding(what, min = 10, ms = 3000) {
  const f0 = (await pageStats(direct.page)).inboundVideo.framesDecoded;
  const ok = await poll(async () =>
    (await pageStats(direct.page)).inboundVideo.framesDecoded > f0 + min, ms, 100);
  const p = await part(relayed.id);
  assert(ok, `${what}: the direct participant stopped decoding`);
  assert(p.video_age_ms >= 0 && p.video_age_ms < 1000,
    `${what}: the relayed participant's video is ${p.video_age_ms} ms old`);
}

suite.test('server, relay, a stranger socket and two browsers in a call', async () => {
  server = suite.server = await startServer({ mode: 'mix' });
  relay = await startRelay({ targetPort: server.mediaPort, seed: 3 });
  stranger = dgram.createSocket('udp4');
  await new Promise((r) => stranger.bind(0, '127.0.0.1', r));
  for (const who of [direct, relayed]) {
    makeMedia(server.dir, who, '320x180');
    who.browser = await launchBrowser([
      `--use-file-for-fake-video-capture=${who.y4m}`,
      `--use-file-for-fake-audio-capture=${who.wav}`,
    ]);
    ({ page: who.page } = await openDemoPage(who.browser, server, who.name));
    const r = await join(who.page, ROOM, { name: who.name,
      relayPort: who === relayed ? relay.port : 0 });
    assertEq(r.status, 201, 'WHIP status');
    who.id = new URL(r.location).pathname.split('/').pop();
  }
  const up = await poll(async () => {
    const p = await part(relayed.id);
    return p.state === 'connected' && p.video_age_ms >= 0 && p.video_age_ms < 300
      && relay.recent().length > 20;
  }, 20000);
  assert(up, 'the relayed participant did not connect');
  relayed.remote = (await part(relayed.id)).remote;
  console.log(`  relayed participant at ${relayed.remote}`);
  await stillDecoding('before the attacks');
});

suite.test('STUN with a wrong MESSAGE-INTEGRITY or USERNAME from a stranger: no address learned', async () => {
  // the participant's USERNAME: server ufrag : browser ufrag
  const [srv, cli] = await relayed.page.evaluate(() => {
    const grab = (sdp) => (sdp.match(/a=ice-ufrag:(\S+)/) || [])[1];
    const d = window.tessera.sdp();
    return [grab(d.remote), grab(d.local)];
  });
  assert(srv && cli, 'cannot read the ICE ufrags from the page');
  for (let i = 0; i < 50; i++) {
    stranger.send(stunRequest(`${srv}:${cli}`), server.mediaPort, '127.0.0.1');
    stranger.send(stunRequest(`nobody:${cli}`), server.mediaPort, '127.0.0.1');
  }
  await sleep(1500);
  assertEq((await part(relayed.id)).remote, relayed.remote, 'remote address after forged checks');
  await stillDecoding('after forged STUN');
});

suite.test('a DTLS ClientHello from an unvalidated address is ignored', async () => {
  const hello = Buffer.concat([Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 1]),
    crypto.randomBytes(59)]);
  for (let i = 0; i < 20; i++) stranger.send(hello, server.mediaPort, '127.0.0.1');
  await sleep(500);
  assertEq((await part(relayed.id)).remote, relayed.remote, 'remote address after the ClientHello');
  await stillDecoding('after a stranger\'s ClientHello');
});

suite.test('replayed and forged SRTP from the validated address: dropped, counted', async () => {
  const before = (await part(relayed.id)).counters;
  const old = relay.recent().filter((b) => b[1] < 192 || b[1] > 223); // RTP, not RTCP
  for (const b of old) relay.inject(b);
  for (const orig of old) {
    const b = Buffer.from(orig); // (a send reads its buffer later)
    // a sequence number not seen yet (not a replay) and a flipped
    // payload byte: the authentication tag no longer fits
    b.writeUInt16BE((b.readUInt16BE(2) + 3000) & 0xffff, 2);
    b[b.length - 15] ^= 0x55;
    relay.inject(b);
  }
  await sleep(500);
  const after = (await part(relayed.id)).counters;
  const replays = after.srtp_replay - before.srtp_replay;
  const forged = after.srtp_auth_fail - before.srtp_auth_fail;
  console.log(`  ${old.length} replayed: ${replays} counted as replays; ${old.length} forged: ${forged} failed authentication`);
  assert(replays >= old.length * 0.9, 'replays were not dropped as replays');
  assert(forged >= old.length * 0.9, 'forged packets were not dropped as failing authentication');
  await stillDecoding('after replays and forgeries');
});

suite.test('5,000 packets/s of random and truncated bytes for 10 s: no crash, no stall', async () => {
  const before = (await part(relayed.id)).counters;
  let sent = 0;
  const t0 = Date.now();
  let worst = 0;
  let last = (await pageStats(direct.page)).inboundVideo.framesDecoded;
  let tLast = Date.now();
  const timer = setInterval(() => {
    // catch up with 5,000/s whatever the timer's real rate
    const due = Math.min(100, Math.floor((Date.now() - t0) * 5) - sent);
    for (let i = 0; i < due; i++) {
      const k = sent % 5;
      const len = k === 0 ? 1 + (sent % 11) : 12 + (sent % 1400);
      const junk = crypto.randomBytes(len);
      if (k % 2) junk[0] = 0x80 | (junk[0] & 0x3f); // looks like RTP
      if (k < 3) stranger.send(junk, server.mediaPort, '127.0.0.1');
      else relay.inject(junk);
      sent++;
    }
  }, 1);
  while (Date.now() - t0 < 10000) {
    await sleep(250);
    const now = (await pageStats(direct.page)).inboundVideo.framesDecoded;
    if (now > last) {
      worst = Math.max(worst, Date.now() - tLast);
      last = now;
      tLast = Date.now();
    }
  }
  clearInterval(timer);
  const secs = (Date.now() - t0) / 1000;
  const after = (await part(relayed.id)).counters;
  console.log(`  sent ${sent} packets in ${secs.toFixed(1)} s (${Math.round(sent / secs)}/s); `
    + `longest gap between decoded frames ${worst} ms; from the validated address: `
    + `${after.srtp_auth_fail - before.srtp_auth_fail} failed authentication, `
    + `${after.drop_malformed - before.drop_malformed} malformed`);
  assert(worst < 1000, `the direct participant's video stalled for ${worst} ms`);
  assert(sent / secs > 3000, `only ${Math.round(sent / secs)} packets/s were sent`);
  const r = await request(`${server.base}/rooms`);
  assertEq(r.status, 200, 'the server answers');
  await stillDecoding('after the flood');
});

suite.finally(async () => {
  for (const who of [direct, relayed]) if (who.browser) await who.browser.close().catch(() => {});
  if (relay) relay.close();
  if (stranger) stranger.close();
});

addCleanShutdownStep(suite, () => server);
await suite.run();
