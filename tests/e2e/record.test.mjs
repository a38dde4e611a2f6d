// Composite recordings: two Chromium participants in a mixed room while
// three recordings run at once (WebM VP8, Matroska H.264, MP4 H.264, each
// with the full Opus mix) for 10 s, with a layout switch in the middle.
// ffprobe reads every file: codecs, 1280x720, duration, frame count and
// audio/video sync; ffmpeg decodes each end to end without an error.
// Bad requests get 4xx with a reason.  A profile changes size live
// (PUT /rooms/{room}/profiles/{name}) while a WebM recording of it runs:
// the browsers decode the new size, the file holds frames of both sizes
// and decodes without an error; an MP4 of a profile refuses the change.
// A recording running at SIGTERM is finished; after a kill -9 the file
// written so far still plays.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  Suite, startServer, launchBrowser, openDemoPage, join, request,
  assert, assertEq, addCleanShutdownStep, sleep, freeTcpPort, poll, waitStats,
} from './lib.mjs';

const ROOM = 'record-test';
const SECONDS = 10;
const suite = new Suite('record', { deadlineMs: 165000 });
let server, browser, recDir;
const pages = [];

// Two 720p encodes and two browsers on 2 cores (under ASan in CI's
// second stage): VP8 at its fastest realtime speed leaves the room time
// to make every frame, which the frame-count check needs.
const PROFILES = `profiles:
  - name: vp8-720p
    codec: VP8
    width: 1280
    height: 720
    fps: 30
    bitrate_kbps: 1500
    cpu_used: 8
  - name: h264-720p
    codec: H264
    width: 1280
    height: 720
    fps: 30
    bitrate_kbps: 1500
`;

async function start(dir, { auto = false } = {}) {
  return startServer({
    mode: 'mix',
    roomsExtra: auto ? '  auto_record: true' : '',
    configExtra: `recording:\n  dir: ${dir}\n  format: mkv\n${PROFILES}`,
  });
}

const post = (url, body, method = 'POST') => request(url, {
  method, headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});
const put = (url, body) => post(url, body, 'PUT');

// codecs, size, frame count and per-stream durations of a file
function probe(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames',
    '-show_streams', '-show_format', '-of', 'json', file]).toString();
  const j = JSON.parse(out);
  const v = j.streams.find((s) => s.codec_type === 'video');
  const a = j.streams.find((s) => s.codec_type === 'audio');
  // stream durations from the packets themselves (Matroska keeps none)
  const pk = execFileSync('ffprobe', ['-v', 'error', '-show_entries',
    'packet=stream_index,pts_time,duration_time', '-of', 'csv=p=0', file])
    .toString().trim().split('\n').map((l) => l.split(','));
  const span = (idx) => {
    const ps = pk.filter((p) => Number(p[0]) === idx);
    if (!ps.length) return 0;
    const first = Number(ps[0][1]);
    const last = ps[ps.length - 1];
    return Number(last[1]) + (Number(last[2]) || 0) - first;
  };
  return {
    vcodec: v?.codec_name, acodec: a?.codec_name, width: v?.width, height: v?.height,
    frames: Number(v?.nb_read_frames || 0), duration: Number(j.format.duration || 0),
    vdur: v ? span(v.index) : 0, adur: a ? span(a.index) : 0,
  };
}

function decodeErrors(file) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-f', 'null', '-']);
  return { code: r.status, stderr: r.stderr.toString().trim() };
}

const recs = [];

suite.test('server and two browsers in a mixed room', async () => {
  server = suite.server = await start(path.join(process.env.TMPDIR || '/tmp',
    `tessera-rec-${process.pid}`));
  recDir = path.join(process.env.TMPDIR || '/tmp', `tessera-rec-${process.pid}`);
  browser = await launchBrowser();
  for (const who of ['a', 'b']) {
    const { page } = await openDemoPage(browser, server, who);
    // b only sends: one 720p decode less in the browser, which shares
    // the two cores with the server's two 720p encodes
    const r = await join(page, ROOM, who === 'b' ? { direction: 'sendonly' } : {});
    assertEq(r.status, 201, `WHIP status of ${who}`);
    if (who === 'a') pages.push(page); // the pages that receive the mix
  }
});

suite.test('bad recording and profile requests get 4xx with a reason', async () => {
  const base = `${server.base}/rooms/${ROOM}/recordings`;
  const prof = `${server.base}/rooms/${ROOM}/profiles`;
  const cases = [
    [await post(base, { profile: 'nope', format: 'webm' }), 400, /no output profile/],
    [await post(base, { profile: 'h264-720p', format: 'webm' }), 400, /cannot hold H264/],
    [await post(base, { profile: 'vp8-720p', format: 'avi' }), 400, /unknown format/],
    [await post(base, { format: 'webm' }), 400, /body must be/],
    [await request(base, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' }),
      415, /Content-Type/],
    [await post(`${server.base}/rooms/nosuchroom/recordings`, { profile: 'vp8-720p' }), 404, /no such room/],
    [await request(`${base}/ABCDEFGH`, { method: 'DELETE' }), 404, /no recording/],
    [await request(`${base}/x`), 404, /no such recording/],
    [await request(base, { method: 'PUT' }), 405, /not allowed/],
    [await put(`${prof}/vp8-720p`, { width: 641, height: 360 }), 400, /must be even/],
    [await put(`${prof}/vp8-720p`, { width: 3840, height: 2160 }), 400, /width 160\.\.1920/],
    [await put(`${prof}/vp8-720p`, { width: '640', height: 360 }), 400, /body must be/],
    [await put(`${prof}/nope`, { width: 640, height: 360 }), 404, /no output profile nope/],
    [await put(`${server.base}/rooms/nosuchroom/profiles/vp8-720p`, { width: 640, height: 360 }),
      404, /no such room/],
    [await request(`${prof}/vp8-720p`), 405, /not allowed/],
  ];
  for (const [r, status, re] of cases) {
    assertEq(r.status, status, `status for ${JSON.stringify(r.json)}`);
    assert(re.test(r.json?.error || ''), `reason "${r.json?.error}" does not match ${re}`);
  }
});

suite.test(`three recordings for ${SECONDS} s with a layout switch`, async () => {
  const base = `${server.base}/rooms/${ROOM}/recordings`;
  for (const [profile, format] of [['vp8-720p', 'webm'], ['h264-720p', 'mkv'],
    ['h264-720p', 'mp4']]) {
    const r = await post(base, { profile, format });
    assertEq(r.status, 201, `POST ${format}: ${JSON.stringify(r.json)}`);
    assert(/^[A-Za-z0-9]{8}$/.test(r.json.id), 'recording id');
    assert(r.json.path.startsWith(recDir), `path ${r.json.path}`);
    recs.push(r.json);
  }
  const t0 = Date.now();
  // MP4 cannot change size within a file: the change is refused
  const refused = await put(`${server.base}/rooms/${ROOM}/profiles/h264-720p`,
    { width: 640, height: 360 });
  assertEq(refused.status, 409, `PUT h264-720p during an MP4: ${JSON.stringify(refused.json)}`);
  assert(refused.json.error.includes(recs[2].id), `reason: ${refused.json.error}`);
  await sleep(SECONDS * 500);
  const l = await request(`${server.base}/rooms/${ROOM}/layout`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ layout: 'speaker' }),
  });
  assertEq(l.status, 200, 'layout switch');
  const list = await request(base);
  assertEq(list.json.recordings.length, 3, 'recordings listed');
  for (const r of list.json.recordings) {
    assertEq(r.state, 'recording', `state of ${r.id} (${r.error})`);
    assert(r.bytes > 0 && r.duration_ms > 2000, `${r.id}: ${r.bytes} bytes, ${r.duration_ms} ms`);
  }
  await sleep(Math.max(0, SECONDS * 1000 - (Date.now() - t0)));
  for (const rec of recs) {
    const r = await request(`${base}/${rec.id}`, { method: 'DELETE' });
    assertEq(r.status, 200, `DELETE ${rec.id}`);
    assertEq(r.json.state, 'stopped', `state after DELETE (${r.json.error})`);
    console.log(`  ${rec.format} ${rec.profile}: ${r.json.duration_ms} ms, `
      + `${r.json.video_frames} frames, ${r.json.audio_frames} Opus packets, `
      + `${r.json.bytes} bytes, ${r.json.dropped} dropped`);
    rec.final = r.json;
  }
});

suite.test('ffprobe: codecs, 1280x720, duration, frames, A/V sync; ffmpeg decodes', async () => {
  const want = { webm: 'vp8', mkv: 'h264', mp4: 'h264' };
  for (const rec of recs) {
    const p = probe(rec.path);
    console.log(`  ${path.basename(rec.path)}: ${p.vcodec} ${p.width}x${p.height} + ${p.acodec}, `
      + `${p.duration.toFixed(2)} s, ${p.frames} frames, video ${p.vdur.toFixed(3)} s, `
      + `audio ${p.adur.toFixed(3)} s`);
    assertEq(p.vcodec, want[rec.format], `${rec.format} video codec`);
    assertEq(p.acodec, 'opus', `${rec.format} audio codec`);
    assertEq(p.width, 1280, 'width');
    assertEq(p.height, 720, 'height');
    assert(Math.abs(p.duration - SECONDS) <= 1, `duration ${p.duration} s`);
    assert(Math.abs(p.frames - p.duration * 30) <= 0.1 * p.duration * 30,
      `${p.frames} frames in ${p.duration} s at 30 fps`);
    assert(Math.abs(p.vdur - p.adur) <= 0.1, `video ${p.vdur} s vs audio ${p.adur} s`);
    const d = decodeErrors(rec.path);
    assertEq(d.code, 0, `ffmpeg exit code (${d.stderr})`);
    assertEq(d.stderr, '', `ffmpeg errors decoding ${rec.path}`);
  }
});

// frames of each size in a file, as ffprobe decodes them
function frameSizes(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v',
    '-show_entries', 'frame=width,height', '-of', 'csv=p=0', file]).toString();
  const n = {};
  for (const l of out.trim().split('\n')) n[l.replace(',', 'x')] = (n[l.replace(',', 'x')] || 0) + 1;
  return n;
}

suite.test('PUT /rooms/{room}/profiles/vp8-720p 640x360 midway: the browsers decode 640x360, '
  + 'another room keeps 1280x720, the WebM holds both sizes and decodes', async () => {
  const room = `${server.base}/rooms/${ROOM}`;
  const other = await openDemoPage(browser, server, 'c');
  assertEq((await join(other.page, `${ROOM}-2`)).status, 201, 'WHIP into a second room');
  const r = await post(`${room}/recordings`, { profile: 'vp8-720p', format: 'webm' });
  assertEq(r.status, 201, `POST webm: ${JSON.stringify(r.json)}`);
  // frames written, rather than seconds: a loaded machine makes fewer
  // than 30 a second
  const written = async () => (await request(`${room}/recordings/${r.json.id}`)).json.video_frames;
  const reach = (n) => poll(async () => ((await written()) >= n ? true : null), 10000, 100);
  assert(await reach(20), `only ${await written()} frames at 1280x720`);
  const p = await put(`${room}/profiles/vp8-720p`, { width: 640, height: 360 });
  assertEq(p.status, 200, `PUT: ${JSON.stringify(p.json)}`);
  const t0 = Date.now();
  for (const page of pages) {
    const s = await waitStats(page, (x) => x.inboundVideo.frameWidth === 640, 5000);
    assert(s.ok, `a browser still decodes ${s.stats.inboundVideo.frameWidth} wide`);
    assertEq(s.stats.inboundVideo.frameHeight, 360, 'frame height');
  }
  console.log(`  browsers decode 640x360 ${Date.now() - t0} ms after the PUT`);
  const sizes = (j) => Object.fromEntries(j.mix.profiles.map((x) => [x.name, `${x.width}x${x.height}`]));
  const mine = sizes((await request(room)).json);
  assertEq(mine['vp8-720p'], '640x360', 'GET: the profile\'s size');
  assertEq(mine['h264-720p'], '1280x720', 'GET: the other profile');
  const theirs = sizes((await request(`${room}-2`)).json);
  assertEq(theirs['vp8-720p'], '1280x720', 'GET: the same profile in another room');
  const s2 = await waitStats(other.page, (x) => x.inboundVideo.frameWidth > 0, 5000);
  assertEq(s2.stats.inboundVideo.frameWidth, 1280, 'the other room\'s browser decodes');
  await other.context.close();
  const after = await written();
  assert(await reach(after + 20), `only ${await written() - after} frames at 640x360`);
  const d = await request(`${room}/recordings/${r.json.id}`, { method: 'DELETE' });
  assertEq(d.status, 200, 'DELETE');
  assertEq(d.json.state, 'stopped', `state (${d.json.error})`);
  const n = frameSizes(r.json.path);
  console.log(`  ${path.basename(r.json.path)}: frames ${JSON.stringify(n)}`);
  assert(n['1280x720'] >= 20 && n['640x360'] >= 20, `frames by size ${JSON.stringify(n)}`);
  assertEq(Object.keys(n).length, 2, 'frame sizes');
  const dec = decodeErrors(r.json.path);
  assertEq(dec.code, 0, `ffmpeg exit code (${dec.stderr})`);
  assertEq(dec.stderr, '', 'ffmpeg errors decoding across the change');
  // back to the configured size for the tests below
  assertEq((await put(`${room}/profiles/vp8-720p`, { width: 1280, height: 720 })).status, 200,
    'PUT back to 1280x720');
});

// an RTMP server to push to: ffmpeg -listen 1, writing what it gets
async function rtmpServer(port, out) {
  const url = `rtmp://127.0.0.1:${port}/live/t`;
  const ff = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-listen', '1', '-i', url,
    '-c', 'copy', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  ff.stderr.on('data', (d) => { err += d; });
  const done = new Promise((resolve) => ff.on('exit', resolve));
  // wait for its listening socket (connecting would use up its one accept)
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const listening = () => fs.readFileSync('/proc/net/tcp', 'utf8').split('\n')
    .some((l) => l.includes(hex) && l.trim().split(/\s+/)[3] === '0A');
  for (let i = 0; i < 100 && !listening(); i++) await sleep(100);
  assert(listening(), 'ffmpeg -listen is not listening');
  return { url, ff, done, err: () => err };
}

function checkFlv(out, minSeconds) {
  const p = probe(out);
  console.log(`  ${path.basename(out)}: ${p.vcodec} ${p.width}x${p.height} + ${p.acodec}, `
    + `${p.duration.toFixed(2)} s, ${p.frames} frames, video ${p.vdur.toFixed(2)} s, `
    + `audio ${p.adur.toFixed(2)} s`);
  assertEq(p.vcodec, 'h264', 'video codec');
  assertEq(p.acodec, 'aac', 'audio codec');
  assert(p.vdur >= minSeconds, `only ${p.vdur} s of video`);
  assert(Math.abs(p.vdur - p.adur) <= 0.2, `video ${p.vdur} s vs audio ${p.adur} s`);
  assertEq(decodeErrors(out).stderr, '', `ffmpeg errors decoding ${out}`);
  return p;
}

suite.test('RTMP: the mix goes out as H.264 + AAC; when the server goes away '
  + 'and comes back, the stream connects again', async () => {
  const port = await freeTcpPort();
  const out1 = path.join(server.dir, 'rtmp1.flv');
  const out2 = path.join(server.dir, 'rtmp2.flv');
  let rs = await rtmpServer(port, out1);
  const base = `${server.base}/rooms/${ROOM}/streams`;
  const bad = await post(base, { url: 'http://example.invalid/x' });
  assertEq(bad.status, 400, `a non-RTMP URL: ${JSON.stringify(bad.json)}`);
  const r = await post(base, { url: rs.url });
  assertEq(r.status, 201, `POST streams: ${JSON.stringify(r.json)}`);
  assertEq(r.json.profile, 'h264-720p', 'the first H264 profile');
  await sleep(4000);
  const list = await request(base);
  assertEq(list.json.streams.length, 1, 'streams listed');
  const recs = await request(`${server.base}/rooms/${ROOM}/recordings`);
  assert(recs.json.recordings.every((x) => x.format !== 'flv'), 'a stream listed as a recording');

  // the server goes away ...
  rs.ff.kill('SIGINT');
  await Promise.race([rs.done, sleep(3000)]);
  checkFlv(out1, 3);
  const down = await poll(async () => {
    const s = (await request(`${base}/${r.json.id}`)).json;
    return s.state === 'reconnecting' ? s : null;
  }, 5000);
  assert(down, 'the stream did not notice its server was gone');
  console.log(`  stream down: ${down.error}`);
  // ... and comes back
  rs = await rtmpServer(port, out2);
  const up = await poll(async () => {
    const s = (await request(`${base}/${r.json.id}`)).json;
    return s.state === 'recording' && s.reconnects >= 1 ? s : null;
  }, 10000);
  assert(up, 'the stream did not connect again');
  await sleep(3000);
  const d = await request(`${base}/${r.json.id}`, { method: 'DELETE' });
  assertEq(d.status, 200, 'DELETE stream');
  console.log(`  stream: ${d.json.state}, ${d.json.reconnects} reconnect(s), `
    + `${d.json.video_frames} frames, ${d.json.dropped} dropped`);
  assertEq(d.json.state, 'stopped', `stream state (${d.json.error})`);
  const code = await Promise.race([rs.done, sleep(5000).then(() => 'timeout')]);
  if (code === 'timeout') rs.ff.kill('SIGKILL');
  assert(code === 0, `ffmpeg -listen ended with ${code}: ${rs.err()}`);
  checkFlv(out2, 2);
});

suite.test('HLS: the mix served at /rooms/{room}/hls/index.m3u8 plays; stopping ends the playlist',
  async () => {
    const base = `${server.base}/rooms/${ROOM}/streams`;
    const both = await post(base, { hls: true, url: 'rtmp://127.0.0.1/x' });
    assertEq(both.status, 400, 'url and hls at once');
    const r = await post(base, { hls: true });
    assertEq(r.status, 201, `POST {"hls": true}: ${JSON.stringify(r.json)}`);
    assertEq(r.json.format, 'hls', 'format');
    const again = await post(base, { hls: true });
    assertEq(again.status, 409, 'a second HLS stream in the room');
    const url = `${server.base}/rooms/${ROOM}/hls/index.m3u8`;
    // three 2 s segments
    const ready = await poll(async () => {
      const pl = await request(url);
      return pl.status === 200 && (pl.text.match(/\.ts/g) || []).length >= 3 ? pl : null;
    }, 15000);
    assert(ready, 'no playlist with three segments');
    assertEq(ready.headers.get('content-type'), 'application/vnd.apple.mpegurl', 'playlist type');
    const bad = await request(`${server.base}/rooms/${ROOM}/hls/..%2Ftessera.yaml`);
    assertEq(bad.status, 404, 'a path out of the HLS folder');
    const pr = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json',
      url]).toString());
    const codecs = pr.streams.map((x) => x.codec_name).sort().join('+');
    const v = pr.streams.find((x) => x.codec_type === 'video');
    console.log(`  ffprobe ${url}: ${codecs}, ${v?.width}x${v?.height}`);
    assertEq(codecs, 'aac+h264', 'HLS codecs');
    const t0 = Date.now();
    const dec = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', url, '-t', '6', '-f', 'null',
      '-'], { timeout: 30000 });
    console.log(`  ffmpeg -i ${path.basename(url)} -t 6: exit ${dec.status} after `
      + `${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assertEq(dec.status, 0, `ffmpeg exit (${dec.stderr})`);
    assertEq(dec.stderr.toString().trim(), '', 'ffmpeg errors decoding the HLS stream');
    const d = await request(`${base}/${r.json.id}`, { method: 'DELETE' });
    assertEq(d.status, 200, 'DELETE');
    const end = await request(url);
    assert(/#EXT-X-ENDLIST/.test(end.text), 'the stopped playlist has no #EXT-X-ENDLIST');
    assert((end.text.match(/\.ts/g) || []).length <= 6, 'the playlist does not slide');
  });

let termRec;
suite.test('a recording running at SIGTERM is finished', async () => {
  const r = await post(`${server.base}/rooms/${ROOM}/recordings`,
    { profile: 'vp8-720p', format: 'mkv' });
  assertEq(r.status, 201, 'POST');
  termRec = r.json;
  await sleep(3000);
});

addCleanShutdownStep(suite, () => server);

suite.test('... and its file reads to the end', async () => {
  const p = probe(termRec.path);
  console.log(`  after SIGTERM: ${p.duration.toFixed(2)} s, ${p.frames} frames`);
  assert(p.duration >= 2 && p.frames > 50, `duration ${p.duration} s, ${p.frames} frames`);
  assert(/recording \w+ finished/.test(server.log()), 'no "finished" log line');
  assertEq(decodeErrors(termRec.path).stderr, '', 'ffmpeg errors');
});

suite.test('rooms.auto_record: the room records from its first join; '
  + 'after kill -9 the files written so far play (>= 80 %)', async () => {
  const s2 = await start(recDir, { auto: true });
  const { page } = await openDemoPage(browser, s2, 'c');
  assertEq((await join(page, ROOM)).status, 201, 'WHIP');
  const auto = (await request(`${s2.base}/rooms/${ROOM}/recordings`)).json.recordings;
  assertEq(auto.length, 1, 'automatic recordings');
  assertEq(auto[0].profile, 'vp8-720p', 'auto profile (the first)');
  assertEq(auto[0].format, 'mkv', 'auto format (recording.format)');
  const r = await post(`${s2.base}/rooms/${ROOM}/recordings`, { profile: 'vp8-720p', format: 'webm' });
  assertEq(r.status, 201, 'POST');
  const t0 = Date.now();
  // about the 10 s: up to the last open cluster (1 s) is lost
  await sleep(9000);
  const before = await request(`${s2.base}/rooms/${ROOM}/recordings/${r.json.id}`);
  const recorded = before.json.duration_ms / 1000;
  s2.kill();
  await sleep(300);
  const p = probe(r.json.path);
  console.log(`  kill -9 after ${((Date.now() - t0) / 1000).toFixed(1)} s: server had `
    + `${recorded.toFixed(2)} s, the file plays ${p.vdur.toFixed(2)} s of video, `
    + `${p.adur.toFixed(2)} s of audio, ${p.frames} frames`);
  assert(recorded > 7, `only ${recorded} s recorded`);
  assert(p.vdur >= 0.8 * recorded, `file has ${p.vdur} s of ${recorded} s`);
  assert(p.adur >= 0.8 * recorded, `file has ${p.adur} s of audio`);
  const pa = probe(auto[0].path);
  console.log(`  the automatic recording plays ${pa.vdur.toFixed(2)} s`);
  assert(pa.vdur >= 0.8 * recorded, `automatic recording has ${pa.vdur} s`);
});

suite.finally(async () => {
  await browser?.close().catch(() => {});
  if (recDir && !process.env.TESSERA_KEEP) fs.rmSync(recDir, { recursive: true, force: true });
});
await suite.run();
