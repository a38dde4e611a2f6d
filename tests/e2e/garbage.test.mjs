// A participant that sends undecodable VP8 (valid SRTP and RTP, random
// bytes for frames: tes_loadgen --garbage-video, Tessera's own stack) in a
// mixed room with a browser: the room does not freeze (the browser keeps
// decoding the mix), the decoder's failures are counted, and the
// participant's cell shows the placeholder.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import {
  Suite, makeMedia, startServer, launchBrowser, openDemoPage, join, pageStats, request,
  placeholderCell, assert, assertEq, addCleanShutdownStep, poll, sleep,
} from './lib.mjs';

const ROOM = 'garbage-test';
const LOADGEN = process.env.TES_LOADGEN
  || path.join(process.env.TESSERA_ROOT || '.', 'build', 'bench', 'tes_loadgen');
const suite = new Suite('garbage', { deadlineMs: 90000 });
const who = { name: 'browser', rgb: [230, 30, 30], tone: 330 };
let server;
let lg = null;
let lgOut = '';

suite.test('server, a browser in the room and a clip for the load generator', async () => {
  server = suite.server = await startServer({ mode: 'mix' });
  makeMedia(server.dir, who, '320x180');
  who.browser = await launchBrowser([
    `--use-file-for-fake-video-capture=${who.y4m}`,
    `--use-file-for-fake-audio-capture=${who.wav}`,
  ]);
  ({ page: who.page } = await openDemoPage(who.browser, server, who.name));
  const r = await join(who.page, ROOM, { name: who.name });
  assertEq(r.status, 201, 'WHIP status');
  who.clip = path.join(server.dir, 'clip.ivf');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i',
    'testsrc2=size=320x180:rate=30', '-t', '2', '-c:v', 'libvpx', '-b:v', '300k',
    '-g', '30', who.clip]);
});

suite.test('a participant sends random bytes for VP8 frames; the mix goes on', async () => {
  lg = spawn(LOADGEN, ['--url', server.base, '--room', ROOM, '--count', '1', '--seconds', '15',
    '--video', who.clip, '--talkers', '1', '--garbage-video'], { stdio: ['ignore', 'pipe', 'pipe'] });
  lg.stdout.on('data', (d) => { lgOut += d; });
  lg.stderr.on('data', (d) => { lgOut += d; });
  const bad = await poll(async () => {
    const parts = (await request(`${server.base}/rooms/${ROOM}`)).json.participants;
    const p = parts.find((x) => x.name !== who.name);
    return p && p.state === 'connected' && p.counters.rtp_in > 100 ? p : null;
  }, 15000);
  assert(bad, `the load generator's participant did not connect:\n${lgOut}`);
  who.bad = bad.id;
  // the browser's mix keeps coming for 5 s
  let f = (await pageStats(who.page)).inboundVideo.framesDecoded;
  for (let i = 0; i < 5; i++) {
    await sleep(1000);
    const now = (await pageStats(who.page)).inboundVideo.framesDecoded;
    assert(now > f + 10, `the browser's mix stalled (${f} -> ${now} frames in 1 s)`);
    f = now;
  }
  const p = (await request(`${server.base}/rooms/${ROOM}`)).json.participants
    .find((x) => x.id === who.bad);
  console.log(`  garbage sender: rtp in ${p.counters.rtp_in}, decode errors ${p.counters.decode_errors}, `
    + `keyframe requests ${p.counters.pli_out}, video age ${p.video_age_ms ?? 'never decoded'}`);
  assert(p.counters.decode_errors > 0, 'no decode errors counted');
  assert(p.video_age_ms === undefined || p.video_age_ms > 1000, 'a frame of random bytes was shown');
});

suite.test('its cell shows the placeholder', async () => {
  const room = (await request(`${server.base}/rooms/${ROOM}`)).json;
  const cell = room.mix.cells.find((c) => c.participant === who.bad);
  assert(cell, 'no cell for the garbage sender');
  let last = null;
  const seen = await poll(async () => {
    last = await placeholderCell(who.page, `${server.base}/rooms/${ROOM}/canvas.png`, cell);
    return last.placeholder;
  }, 5000, 300);
  console.log(`  its cell in canvas.png: ${JSON.stringify(last)}`);
  assert(seen, 'the garbage sender\'s cell is not a placeholder');
});

suite.finally(async () => {
  if (lg && lg.exitCode === null) lg.kill('SIGKILL');
  if (who.browser) await who.browser.close().catch(() => {});
});

addCleanShutdownStep(suite, () => server);
await suite.run();
