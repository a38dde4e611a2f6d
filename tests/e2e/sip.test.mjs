// SIP endpoints in a mixed room, with baresip as the real peer.  One
// Chromium participant (its own solid colour, its own tone) is in the room;
// baresip dials sip:{room}@127.0.0.1:PORT with fakevideo's red|green|blue
// bars and a 440 Hz sine:
//  - H.264 (packetization-mode 0) + G.711 µ-law over plain RTP;
//  - the same with SDES-SRTP (mediaenc srtp-mand), signalled over TCP;
//  - VP8 + Opus.
// Each time the browser sees baresip's bars in the cell the layout gives
// it and hears its tone; baresip's snapshot of what it receives shows the
// browser's colour in the browser's cell; RTP counters rise both ways, on
// both sides.  A BYE frees the participant at once.  Hold and resume by
// re-INVITE.  Refusals: an unknown room gets 404, an SDP with no codec in
// common 488 (a raw SIP client, so the offer is exactly what we say).
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Suite, makeMedia, startServer, launchBrowser, openDemoPage, sampleVideo, join, waitStats, request,
  assert, assertEq, addCleanShutdownStep, poll, sleep,
} from './lib.mjs';
import { BaresipSet, readPng, cellColour, colourClose } from './baresip.mjs';
import { sipClient as rawClient } from './sipraw.mjs';

const ROOM = 'sip-room';
const BROWSER = { name: 'orange', rgb: [240, 140, 20], tone: 660 };
// fakevideo's bars, as the browser sees them through the mix
const BARS = [[235, 15, 16], [15, 233, 15], [16, 15, 235]];
const suite = new Suite('sip', { deadlineMs: 240000 });
const bsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tes-sip-'));
const bs = new BaresipSet(bsDir, { sineHz: 440 });
const baresip = (opts) => bs.start(opts);
const stopBaresip = (b) => bs.stop(b);
const step = (name, fn) => bs.step(suite, name, fn);
const sipClient = () => rawClient(() => server.sipPort);
let server;

const roomInfo = async () => (await request(`${server.base}/rooms/${ROOM}`)).json;
const sipPart = (room) => room && room.participants.find((p) => p.sip);

// A call from b into the room: established, flowing both ways, each side
// seeing the other where the layout puts it.
async function checkCall(b, { audio, video, transport }) {
  await b.dial(`sip:${ROOM}@127.0.0.1:${server.sipPort}${transport === 'tcp' ? ';transport=tcp' : ''}`);
  const est = await b.waitEvent('CALL_ESTABLISHED', 10000);
  assert(est, `${b.name}: the call was not established`);

  // the server lists the SIP participant with its transport and codecs
  const room = await poll(async () => {
    const r = await roomInfo();
    const p = sipPart(r);
    return p && p.state === 'connected' && p.counters.rtp_in > 20 && p.counters.rtp_out > 20 ? r : null;
  }, 10000);
  assert(room, `no connected SIP participant with RTP both ways: ${JSON.stringify(await roomInfo())}`);
  const p = sipPart(room);
  console.log(`  server: ${p.name} ${p.audio} + ${p.video}, ${p.sip.transport}, signalling ${p.sip.signalling},`
    + ` profile ${p.profile}, rtp in ${p.counters.rtp_in} out ${p.counters.rtp_out},`
    + ` media ${JSON.stringify(p.sip.media)}`);
  assertEq(p.audio.split('/')[0].toUpperCase(), audio.toUpperCase(), 'audio codec');
  assertEq(p.video.split('/')[0].toUpperCase(), video.toUpperCase(), 'video codec');
  assert(/UDP|TCP/.test(p.sip.signalling), `signalling ${p.sip.signalling}`);

  // counters rise on both sides, for audio and video
  const s0 = await b.stats();
  const c0 = p.counters;
  await sleep(1500);
  const s1 = await b.stats();
  const c1 = sipPart(await roomInfo()).counters;
  for (const kind of ['audio', 'video']) {
    console.log(`  ${b.name} ${kind} ${s1[kind].codecTx}/${s1[kind].codecRx} menc=${s1[kind].menc}:`
      + ` tx ${s0[kind].txPackets}->${s1[kind].txPackets}, rx ${s0[kind].rxPackets}->${s1[kind].rxPackets}`
      + (kind === 'video' ? `, decoded ${s1.video.rxFrames} at ${s1.video.rxWidth}x${s1.video.rxHeight}` : ''));
    assert(s1[kind].txPackets > s0[kind].txPackets, `${b.name} ${kind}: sent RTP did not rise`);
    assert(s1[kind].rxPackets > s0[kind].rxPackets, `${b.name} ${kind}: received RTP did not rise`);
  }
  assert(s1.video.rxFrames > s0.video.rxFrames, `${b.name}: decoded frames did not rise`);
  assert(c1.rtp_in > c0.rtp_in && c1.rtp_out > c0.rtp_out, 'server counters did not rise');

  // the browser hears the tone (alone it would hear silence: mix-minus)
  const heard = await waitStats(BROWSER.page, (x) => x.inboundAudio.audioLevel > 0.01, 8000);
  console.log(`  browser hears level ${heard.stats.inboundAudio.audioLevel}`);
  assert(heard.ok, `the browser does not hear ${b.name}: level ${heard.stats.inboundAudio.audioLevel}`);

  // the browser sees the bars in the SIP participant's cell
  const cells = (await roomInfo()).mix.cells;
  const cell = cells.find((c) => c.participant === p.id);
  const mine = cells.find((c) => c.participant === BROWSER.id);
  assert(cell && mine, `no cells for both: ${JSON.stringify(cells)}`);
  const y = cell.y + cell.h / 2;
  const pts = [1, 3, 5].map((k) => [cell.x + (cell.w * k) / 6, y]);
  const seen = await poll(async () => {
    const px = await sampleVideo(BROWSER.page, pts);
    return px.every((rgb, i) => colourClose(rgb, BARS[i], 70)) ? px : null;
  }, 10000, 250);
  const px = seen || await sampleVideo(BROWSER.page, pts);
  console.log(`  browser sees in ${b.name}'s cell: ${JSON.stringify(px)}`);
  assert(seen, `the browser does not see ${b.name}'s bars in its cell`);

  // baresip sees the browser's colour in the browser's cell
  let ok = null;
  for (let i = 0; i < 10 && !ok; i++) {
    const img = readPng(await b.snapshot(path.join(b.dir, `${b.name}-${i}.png`)));
    const rgb = cellColour(img, mine);
    console.log(`  ${b.name} receives ${img.width}x${img.height}, the browser's cell is ${JSON.stringify(rgb)}`);
    if (colourClose(rgb, BROWSER.rgb, 70)) ok = rgb;
    else await sleep(500);
  }
  assert(ok, `${b.name} does not see the browser's colour in its cell`);
  return p;
}

async function hangupAndGone(b, id) {
  const t0 = Date.now();
  await b.hangup();
  const gone = await poll(async () => {
    const r = await roomInfo();
    return r && !r.participants.some((q) => q.id === id);
  }, 3000, 50);
  console.log(`  ${b.name} hung up: gone from the room after ${Date.now() - t0} ms`);
  assert(gone, 'the SIP participant is still in the room after its BYE');
}

step('server and one browser in the room', async () => {
  // two at most: the browser and one caller (a second caller gets 486)
  server = suite.server = await startServer({ mode: 'mix', sip: true, roomsExtra: '  max_participants: 2' });
  makeMedia(server.dir, BROWSER);
  BROWSER.browser = await launchBrowser([
    `--use-file-for-fake-video-capture=${BROWSER.y4m}`,
    `--use-file-for-fake-audio-capture=${BROWSER.wav}`,
  ]);
  ({ page: BROWSER.page } = await openDemoPage(BROWSER.browser, server, BROWSER.name));
  const r = await join(BROWSER.page, ROOM, { name: BROWSER.name });
  assertEq(r.status, 201, 'WHIP status');
  BROWSER.id = new URL(r.location).pathname.split('/').pop();
  const s = await waitStats(BROWSER.page, (x) => x.connectionState === 'connected'
    && x.inboundVideo.framesDecoded > 10, 20000);
  assert(s.ok, `the browser did not get the mix: ${JSON.stringify(s.stats)}`);
});

step('an unknown room gets 404', async () => {
  const b = await baresip({ name: 'lost', videoCodecs: [] });
  await b.dial(`sip:no-such-room@127.0.0.1:${server.sipPort}`);
  const ev = await b.waitEvent('CALL_CLOSED', 10000);
  console.log(`  ${b.name}: ${ev && ev.param}`);
  assertEq(ev && ev.status, 404, 'status');
  await stopBaresip(b);
});

step('H.264 + G.711 µ-law over plain RTP: both see and hear each other; BYE frees it', async () => {
  const b = await baresip({ name: 'plain', audioCodecs: ['PCMU/8000/1'], videoCodecs: ['H264'] });
  const p = await checkCall(b, { audio: 'PCMU', video: 'H264' });
  assertEq(p.sip.transport, 'RTP/AVP', 'transport');

  // DTMF (RFC 4733) *6 mutes the caller: the browser hears silence; *6
  // again unmutes it
  await b.sendDtmf('*6');
  const muted = await poll(async () => {
    const q = sipPart(await roomInfo());
    return q && q.muted ? q : null;
  }, 5000);
  assert(muted, `*6 did not mute the caller: ${server.log().split('\n').filter((l) => /DTMF/.test(l)).join(' | ')}`);
  const quiet = await waitStats(BROWSER.page, (x) => x.inboundAudio.audioLevel < 0.003, 5000);
  console.log(`  *6: muted; the browser hears level ${quiet.stats.inboundAudio.audioLevel}`);
  assert(quiet.ok, 'the browser still hears the muted caller');
  await b.sendDtmf('*6');
  const unmuted = await poll(async () => {
    const q = sipPart(await roomInfo());
    return q && !q.muted ? q : null;
  }, 5000);
  assert(unmuted, '*6 again did not unmute the caller');
  const loud = await waitStats(BROWSER.page, (x) => x.inboundAudio.audioLevel > 0.01, 5000);
  console.log(`  *6 again: unmuted; level ${loud.stats.inboundAudio.audioLevel}; keys logged: `
    + server.log().split('\n').filter((l) => /DTMF/.test(l)).map((l) => l.replace(/.*DTMF /, '')).join(', '));
  assert(loud.ok, 'the browser does not hear the caller after unmute');

  // hold (re-INVITE a=sendonly): we stop sending; resume: we send again
  await b.hold();
  const held = await poll(async () => {
    const q = sipPart(await roomInfo());
    return q && q.sip.on_hold ? q : null;
  }, 5000);
  assert(held, 'the server did not put the call on hold');
  const out0 = held.counters.rtp_out;
  await sleep(1000);
  const out1 = sipPart(await roomInfo()).counters.rtp_out;
  console.log(`  on hold: rtp out ${out0} -> ${out1} in 1 s`);
  assert(out1 - out0 < 5, `we kept sending on hold: ${out1 - out0} packets`);
  await b.resume();
  const resumed = await poll(async () => {
    const q = sipPart(await roomInfo());
    return q && !q.sip.on_hold && q.counters.rtp_out > out1 + 20 ? q : null;
  }, 5000);
  assert(resumed, 'the media did not come back after resume');
  console.log(`  resumed: rtp out ${resumed.counters.rtp_out}`);
  await hangupAndGone(b, p.id);
  await stopBaresip(b);
});

step('the same with SDES-SRTP (srtp-mand), signalled over TCP', async () => {
  const b = await baresip({
    name: 'srtp', audioCodecs: ['PCMU/8000/1'], videoCodecs: ['H264'], mediaenc: 'srtp-mand',
  });
  const p = await checkCall(b, { audio: 'PCMU', video: 'H264', transport: 'tcp' });
  assert(/SAVP/.test(p.sip.transport), `transport ${p.sip.transport}`);
  assert(p.sip.media.every((m) => m.srtp), `every m-line has SRTP: ${JSON.stringify(p.sip.media)}`);
  assertEq(p.counters.srtp_auth_fail, 0, 'SRTP authentication failures');
  await hangupAndGone(b, p.id);
  await stopBaresip(b);
});

step('VP8 + Opus', async () => {
  const b = await baresip({ name: 'vp8', audioCodecs: ['opus/48000/2'], videoCodecs: ['VP8'], rtcpMux: true });
  const p = await checkCall(b, { audio: 'opus', video: 'VP8' });
  assert(p.sip.media.every((m) => m.rtcp_mux), `rtcp-mux on every m-line: ${JSON.stringify(p.sip.media)}`);

  // garbage at the SIP port and at the call's RTP ports, from the address
  // the call signalled: dropped and counted, the call goes on
  const junk = dgram.createSocket('udp4');
  await new Promise((r) => junk.bind(0, '127.0.0.1', r));
  for (let i = 0; i < 600; i++) {
    const buf = Buffer.alloc(1 + ((i * 37) % 1400));
    for (let k = 0; k < buf.length; k++) buf[k] = (i * 131 + k * 17) & 0xff;
    if (i % 3 === 0) buf[0] = 0x80; // looks like RTP v2
    junk.send(buf, [server.sipPort, ...p.sip.media.map((m) => m.port)][i % 3], '127.0.0.1');
    if (i % 50 === 49) await sleep(10);
  }
  const before = (await b.stats()).video.rxPackets;
  await sleep(1500);
  const after = await b.stats();
  const q = sipPart(await roomInfo());
  junk.close();
  console.log(`  after 600 junk datagrams: ${b.name} video rx ${before} -> ${after.video.rxPackets},`
    + ` server malformed ${q.counters.drop_malformed}, unknown pt ${q.counters.drop_unknown_pt}, state ${q.state}`);
  assert(after.video.rxPackets > before, 'the call stopped after the junk');
  assert(q.counters.drop_malformed + q.counters.drop_unknown_pt > 0, 'junk was not counted');
  await hangupAndGone(b, p.id);
  await stopBaresip(b);
});

// ---- a raw SIP client over UDP, for requests baresip would not send ----

function invite({ port, callId, body, user = ROOM }) {
  const lines = [
    `INVITE sip:${user}@127.0.0.1:${server.sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${callId}`,
    'Max-Forwards: 70',
    `From: "raw" <sip:raw@127.0.0.1:${port}>;tag=${callId}`,
    `To: <sip:${user}@127.0.0.1>`,
    `Call-ID: ${callId}@127.0.0.1`,
    'CSeq: 1 INVITE',
    `Contact: <sip:raw@127.0.0.1:${port}>`,
    'User-Agent: tessera-e2e raw client',
  ];
  if (body) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${body ? Buffer.byteLength(body) : 0}`, '', body || '');
  return lines.join('\r\n');
}

step('an offer that shares no codec gets 488 with the reason', async () => {
  const c = sipClient();
  const port = await c.port();
  const body = [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    'm=audio 40000 RTP/AVP 3', 'a=rtpmap:3 GSM/8000',
    'm=video 40002 RTP/AVP 31', 'a=rtpmap:31 H261/90000', '',
  ].join('\r\n');
  await c.send(invite({ port, callId: 'nocodec1', body }));
  const resp = await c.wait(/^SIP\/2\.0 [3-6]\d\d/);
  c.close();
  assert(resp, 'no final response');
  const status = resp.split(' ')[1];
  const warning = (resp.match(/^Warning:.*$/mi) || [''])[0];
  console.log(`  ${resp.split('\r\n')[0]}; ${warning}`);
  assertEq(status, '488', 'status');
  assert(/codec/i.test(warning), `the Warning says why: ${warning}`);
});

step('an INVITE without SDP: we offer in the 200, the ACK answers, BYE ends it', async () => {
  const c = sipClient();
  const port = await c.port();
  await c.send(invite({ port, callId: 'offerless1' }));
  const ok = await c.wait(/^SIP\/2\.0 [2-6]\d\d/);
  assert(ok && /^SIP\/2\.0 200/.test(ok), `no 200: ${ok && ok.split('\r\n')[0]}`);
  const offer = ok.split('\r\n\r\n')[1];
  console.log(`  our offer: ${offer.split('\r\n').filter((l) => /^m=|^a=rtpmap/.test(l)).join(' | ')}`);
  assert(/m=audio [1-9]\d* RTP\/(S)?AVP .*\b0\b/.test(offer), 'the offer has PCMU audio');
  assert(/a=rtpmap:\d+ H264\/90000/.test(offer), 'the offer has H.264');
  const toTag = (ok.match(/^To:.*;tag=([^;\s]+)/mi) || [])[1];
  const aPt = 0;
  const vPt = offer.match(/a=rtpmap:(\d+) H264\/90000/)[1];
  const crypto = offer.match(/a=crypto:.*$/gm) || [];
  // answer with PCMU and H.264 (our keys back if we offered SRTP: a
  // test of the signalling, no media is sent)
  const answer = [
    'v=0', 'o=- 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port + 2} ${crypto.length ? 'RTP/SAVP' : 'RTP/AVP'} ${aPt}`, 'a=rtpmap:0 PCMU/8000',
    ...(crypto[0] ? [crypto[0]] : []),
    `m=video ${port + 4} ${crypto.length ? 'RTP/SAVP' : 'RTP/AVP'} ${vPt}`,
    `a=rtpmap:${vPt} H264/90000`,
    ...(crypto[1] ? [crypto[1]] : []), '',
  ].join('\r\n');
  const contact = (ok.match(/^Contact:\s*<([^>]+)>/mi) || [])[1] || `sip:${ROOM}@127.0.0.1:${server.sipPort}`;
  const dialog = (method, cseq, body) => [
    `${method} ${contact} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${method}${cseq}x`,
    'Max-Forwards: 70',
    `From: "raw" <sip:raw@127.0.0.1:${port}>;tag=offerless1`,
    `To: <sip:${ROOM}@127.0.0.1>;tag=${toTag}`,
    'Call-ID: offerless1@127.0.0.1',
    `CSeq: ${cseq} ${method}`,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${body ? Buffer.byteLength(body) : 0}`, '', body || '',
  ].join('\r\n');
  await c.send(dialog('ACK', 1, answer));
  const up = await poll(async () => {
    const q = (await roomInfo()).participants.find((x) => x.sip && x.name === 'raw');
    return q && q.state === 'connected' ? q : null;
  }, 5000);
  assert(up, 'the participant did not start on the ACK\'s answer');
  console.log(`  after the ACK: ${up.audio} + ${up.video}, ${JSON.stringify(up.sip.media.map((m) => m.remote))}`);

  // the room is full now (rooms.max_participants 2): another call gets 486
  const c2 = sipClient();
  const body = ['v=0', 'o=- 3 3 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    'm=audio 40010 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
  await c2.send(invite({ port: await c2.port(), callId: 'full1', body }));
  const busy = await c2.wait(/^SIP\/2\.0 [3-6]\d\d/);
  c2.close();
  console.log(`  a third participant: ${busy && busy.split('\r\n')[0]}; ${(busy.match(/^Warning:.*$/mi) || [''])[0]}`);
  assert(busy && / 486 /.test(busy.split('\r\n')[0]), 'a full room did not answer 486');
  await c.send(dialog('BYE', 2));
  const byeOk = await c.wait(/^SIP\/2\.0 200[^\r]*\r\n(.|\r\n)*CSeq: 2 BYE/);
  assert(byeOk, 'no 200 to the BYE');
  const gone = await poll(async () => !(await roomInfo()).participants.some((x) => x.id === up.id), 2000, 50);
  assert(gone, 'the participant stayed after the BYE');
  c.close();
});

addCleanShutdownStep(suite, () => server);
suite.finally(async () => {
  await bs.stopAll().catch(() => {});
  if (BROWSER.browser) await BROWSER.browser.close();
});
await suite.run();
