// The baresip harness (baresip.mjs) against a real peer: another baresip.
// No Tessera server.  A callee that answers by itself is dialled by a
// caller, for each way a Tessera SIP test will call: H.264 + PCMU over
// plain RTP, the same with SDES-SRTP (srtp-mand, over SIP/TCP, with
// rtcp-mux), and VP8 + Opus (answered by hand).  Each call must be
// established, count RTP rising both ways for audio and video, save on
// both sides a PNG of the received picture that shows fakevideo's three
// bars, and end with CALL_CLOSED on both sides after a BYE.  Then DTMF
// (RFC 4733), hold/resume by re-INVITE, and calls refused with 404 and 488.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Suite, assert, assertEq, sleep } from './lib.mjs';
import { BaresipSet, readPng, fakevideoBars } from './baresip.mjs';

const suite = new Suite('baresip', { deadlineMs: 60000 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tes-bs-'));
const bs = new BaresipSet(dir);
const start = (opts) => bs.start(opts);
const stopAll = () => bs.stopAll({ clean: true });
// a step that prints the logs of the endpoints still up when it fails
const step = (name, fn) => bs.step(suite, name, fn, 50);

// Waits until a counter of every stream has grown on both endpoints.
async function assertFlowing(a, b, kinds, ms = 1000) {
  const before = [await a.stats(), await b.stats()];
  await sleep(ms);
  const after = [await a.stats(), await b.stats()];
  [a, b].forEach((who, i) => {
    for (const kind of kinds) {
      const s0 = before[i][kind];
      const s1 = after[i][kind];
      assert(s0 && s1, `${who.name}: no ${kind} stream`);
      console.log(`  ${who.name} ${kind} ${s1.codecTx}/${s1.codecRx} ${s1.dir} menc=${s1.menc}:`
        + ` tx ${s0.txPackets}->${s1.txPackets} pkts (${s1.txBytes} B),`
        + ` rx ${s0.rxPackets}->${s1.rxPackets} pkts`
        + (kind === 'video' ? `, frames sent ${s1.txFrames} decoded ${s1.rxFrames} ${s1.rxWidth}x${s1.rxHeight}` : ''));
      assertEq(s1.dir, 'sendrecv', `${who.name} ${kind} direction`);
      assert(s1.txPackets > s0.txPackets, `${who.name} ${kind}: sent RTP did not rise`);
      assert(s1.txBytes > s0.txBytes, `${who.name} ${kind}: sent bytes did not rise`);
      assert(s1.rxPackets > s0.rxPackets, `${who.name} ${kind}: received RTP did not rise`);
      if (kind === 'video') assert(s1.rxFrames > s0.rxFrames, `${who.name}: decoded frames did not rise`);
    }
  });
  return after;
}

async function assertSnapshots(a, b, tag) {
  for (const who of [a, b]) {
    const file = await who.snapshot(path.join(who.dir, `${tag}.png`));
    const img = readPng(file);
    const bars = fakevideoBars(img);
    console.log(`  ${who.name} received ${img.width}x${img.height}, bars ${JSON.stringify(bars.bars)}`);
    assert(bars.ok, `${who.name}: the received picture is not red|green|blue bars`);
  }
}

async function hangupBoth(caller, callee) {
  await caller.hangup();
  const c = await caller.waitEvent('CALL_CLOSED', 5000);
  const d = await callee.waitEvent('CALL_CLOSED', 5000);
  console.log(`  CALL_CLOSED: ${caller.name} "${c.param}", ${callee.name} "${d.param}"`);
  assert(caller.sipMessages().some((m) => m.tx && m.method === 'BYE'), 'the caller sent no BYE');
  assertEq(d.param, 'Connection reset by peer', `${callee.name} close reason`);
}

function printSdp(who, title) {
  const sdp = who.inviteSdp();
  assert(sdp, `${who.name}: no INVITE SDP in the log`);
  console.log(`  INVITE SDP (${title}):\n${sdp.trim().split(/\r?\n/).map((l) => `    ${l}`).join('\n')}`);
  return sdp;
}

// One call from caller to callee with both sides configured by `opts`.
async function call(tag, opts, { transport = '', manual = false } = {}) {
  const callee = await start({ name: `${tag}-callee`, autoAnswer: !manual, sineHz: 440, ...opts });
  const caller = await start({ name: `${tag}-caller`, sineHz: 880, ...opts });
  const t0 = Date.now();
  await caller.dial(callee.uri + transport);
  if (manual) {
    const inc = await callee.waitEvent('CALL_INCOMING', 5000);
    assertEq(inc.param, `sip:${caller.name}@127.0.0.1:${caller.sipPort}`, 'CALL_INCOMING from');
    await callee.accept();
  }
  await caller.waitEvent('CALL_ESTABLISHED', 5000);
  await callee.waitEvent('CALL_ESTABLISHED', 5000);
  console.log(`  established in ${Date.now() - t0} ms`);
  return { caller, callee };
}

step('H.264 + PCMU over RTP/AVP (UDP): media both ways, snapshots, BYE', async () => {
  const { caller, callee } = await call('plain', { audioCodecs: ['PCMU/8000/1'], videoCodecs: ['H264'] });
  const sdp = printSdp(caller, 'H.264 + PCMU');
  assert(/^m=audio \d+ RTP\/AVP 0 101$/m.test(sdp), 'audio m-line');
  assert(/^m=video \d+ RTP\/AVP 96$/m.test(sdp) && /^a=rtpmap:96 H264\/90000$/m.test(sdp), 'video m-line');
  assert(/^c=IN IP4 127\.0\.0\.1$/m.test(sdp), 'media not on 127.0.0.1');
  await assertFlowing(caller, callee, ['audio', 'video']);
  await assertSnapshots(caller, callee, 'plain');

  // RFC 4733 telephone-events, then hold and resume (re-INVITE)
  await caller.sendDtmf('1#');
  const d1 = await callee.waitEvent('CALL_DTMF_START', 3000);
  const d2 = await callee.waitEvent('CALL_DTMF_START', 3000);
  assertEq(`${d1.param}${d2.param}`, '1#', 'DTMF digits received');
  assert(!caller.sipMessages().some((m) => m.method === 'INFO'), 'DTMF went as SIP INFO');
  const tHold = Date.now();
  await caller.hold();
  await callee.waitEvent('CALL_REMOTE_SDP', 3000, (e) => e.param === 'offer' && e.at >= tHold);
  await sleep(300);
  const held = [await caller.stats(), await callee.stats()];
  assertEq(`${held[0].audio.dir}/${held[1].audio.dir}`, 'sendonly/recvonly', 'audio directions on hold');
  await caller.resume();
  await sleep(300);
  await assertFlowing(caller, callee, ['audio', 'video'], 700);

  await hangupBoth(caller, callee);
  await sleep(100);
  const cs = caller.closedStats();
  console.log(`  rtp_stats at the end (${caller.name}): ${JSON.stringify(cs)}`);
  assert(cs.audio && cs.audio.rxPackets > 0 && cs.video && cs.video.rxPackets > 0, 'no rtp_stats summary');
  await stopAll();
});

step('H.264 + PCMU with SDES-SRTP (srtp-mand), SIP over TCP, rtcp-mux', async () => {
  const { caller, callee } = await call('srtp',
    { audioCodecs: ['PCMU/8000/1'], videoCodecs: ['H264'], mediaenc: 'srtp-mand', rtcpMux: true },
    { transport: ';transport=tcp' });
  const invite = caller.sipMessages().find((m) => m.tx && m.method === 'INVITE');
  assertEq(invite.transport, 'TCP', 'INVITE transport');
  const sdp = printSdp(caller, 'H.264 + PCMU, srtp-mand, rtcp-mux');
  assert(/^m=audio \d+ RTP\/SAVP /m.test(sdp) && /^m=video \d+ RTP\/SAVP /m.test(sdp), 'RTP/SAVP m-lines');
  assertEq((sdp.match(/^a=crypto:/gm) || []).length, 2, 'a=crypto lines');
  assertEq((sdp.match(/^a=rtcp-mux$/gm) || []).length, 2, 'a=rtcp-mux lines');
  const s = await assertFlowing(caller, callee, ['audio', 'video']);
  for (const [i, who] of [caller, callee].entries()) {
    for (const kind of ['audio', 'video']) {
      assert(s[i][kind].menc === 'srtp-mand' && s[i][kind].secure, `${who.name} ${kind} not secure`);
      assertEq(s[i][kind].remoteRtcp, s[i][kind].remote, `${who.name} ${kind} RTCP muxed`);
    }
  }
  await assertSnapshots(caller, callee, 'srtp');
  await hangupBoth(caller, callee);
  await stopAll();
});

step('VP8 + Opus, answered by hand', async () => {
  const { caller, callee } = await call('vp8',
    { audioCodecs: ['opus/48000/2'], videoCodecs: ['VP8'] }, { manual: true });
  const sdp = printSdp(caller, 'VP8 + Opus');
  assert(/^a=rtpmap:\d+ opus\/48000\/2$/m.test(sdp) && /^a=rtpmap:\d+ VP8\/90000$/m.test(sdp), 'codecs offered');
  const s = await assertFlowing(caller, callee, ['audio', 'video']);
  assertEq(`${s[0].audio.codecTx}/${s[0].video.codecTx}`, 'opus/VP8', 'codecs in use');
  await assertSnapshots(caller, callee, 'vp8');
  await hangupBoth(caller, callee);
  await stopAll();
});

step('refused calls: CALL_CLOSED carries 404 and 488', async () => {
  const callee = await start({ name: 'refuser', autoAnswer: true, audioCodecs: ['PCMA/8000/1'] });
  const caller = await start({ name: 'refused', audioCodecs: ['PCMU/8000/1'] });
  await caller.dial(`sip:nobody@127.0.0.1:${callee.sipPort}`);
  const e404 = await caller.waitEvent('CALL_CLOSED', 5000);
  console.log(`  unknown user: CALL_CLOSED "${e404.param}"`);
  assertEq(e404.status, 404, 'status for an unknown user');
  await caller.dial(callee.uri); // no audio codec in common
  const e488 = await caller.waitEvent('CALL_CLOSED', 5000);
  console.log(`  no common codec: CALL_CLOSED "${e488.param}"`);
  assertEq(e488.status, 488, 'status for no common codec');
  assertEq(e488.reason, 'Not Acceptable Here', 'reason phrase');
  await stopAll();
});

suite.finally(async () => {
  for (const b of bs.live) b.kill();
  if (!bs.failed) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`baresip configs and logs kept in ${dir}`);
});
await suite.run();
