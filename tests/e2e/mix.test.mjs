// Mix room: three Chromium participants, each sending its own solid colour
// and its own tone, join one room.  Each receives one 1280x720 composite
// whose cells show the participants' colours where GET /rooms/{room} says
// the layout put them, and audio from the others; a participant alone in
// the room hears (near) silence: mix-minus leaves its own voice out.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import {
  TESSERA_ROOT, Suite, makeMedia, placeholderCell, startServer, launchBrowser, openDemoPage, sampleVideo, join, waitStats, request,
  assert, assertEq, addCleanShutdownStep, poll, sleep,
} from './lib.mjs';

const ROOM = 'mix-test';
const PEOPLE = [
  { name: 'red', rgb: [230, 30, 30], tone: 330 },
  { name: 'green', rgb: [30, 200, 40], tone: 550 },
  { name: 'blue', rgb: [30, 40, 230], tone: 770 },
];
const suite = new Suite('mix', { deadlineMs: 150000 });
let server;


const close = (a, b) => a.every((v, i) => Math.abs(v - b[i]) < 60);

let layoutsFile;

suite.test('server, media files and three browsers', async () => {
  // a private copy of the presets, so the test can edit it live
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-layouts-'));
  layoutsFile = path.join(tmp, 'layouts.yaml');
  fs.copyFileSync(path.join(TESSERA_ROOT, 'conf', 'layouts.yaml'), layoutsFile);
  // one VP8 profile: the test checks the 1280x720 mix each browser gets,
  // and on a loaded machine a browser's bandwidth estimate can dip long
  // enough to move it down to a 360p profile (e2e profile tests that)
  server = suite.server = await startServer({
    mode: 'mix', layoutsFile,
    configExtra: ['profiles:', '  - name: vp8-720p', '    codec: VP8',
      '    width: 1280', '    height: 720', '    fps: 30',
      '    bitrate_kbps: 1500', '    cpu_used: 6'].join('\n'),
  });
  for (const who of PEOPLE) {
    makeMedia(server.dir, who);
    who.browser = await launchBrowser([
      `--use-file-for-fake-video-capture=${who.y4m}`,
      `--use-file-for-fake-audio-capture=${who.wav}`,
    ]);
    ({ page: who.page } = await openDemoPage(who.browser, server, who.name));
  }
});

suite.test('alone in the room: own video in the grid, own voice left out', async () => {
  const a = PEOPLE[0];
  const r = await join(a.page, ROOM, { name: a.name });
  assertEq(r.status, 201, 'WHIP status');
  a.id = new URL(r.location).pathname.split('/').pop();
  const s = await waitStats(a.page, (x) => x.connectionState === 'connected'
    && x.inboundVideo.framesDecoded > 20 && x.inboundAudio.packetsReceived > 100, 20000);
  console.log(`  ${a.name}: video ${s.stats.inboundVideo.frameWidth}x${s.stats.inboundVideo.frameHeight}`
    + ` frames=${s.stats.inboundVideo.framesDecoded}, audio packets=`
    + `${s.stats.inboundAudio.packetsReceived} level=${s.stats.inboundAudio.audioLevel}`);
  assert(s.ok, `${a.name} did not get the mix: ${JSON.stringify(s.stats)}`);
  assertEq(s.stats.inboundVideo.frameWidth, 1280, 'mix width');
  assertEq(s.stats.inboundVideo.frameHeight, 720, 'mix height');
  assert(s.stats.inboundAudio.audioLevel < 0.003,
    `alone, ${a.name} hears level ${s.stats.inboundAudio.audioLevel}: its own tone came back`);
});

suite.test('two more join; everyone hears the others', async () => {
  for (const who of PEOPLE.slice(1)) {
    const r = await join(who.page, ROOM, { name: who.name });
    assertEq(r.status, 201, 'WHIP status');
    who.id = new URL(r.location).pathname.split('/').pop();
  }
  for (const who of PEOPLE) {
    const s = await waitStats(who.page, (x) => x.connectionState === 'connected'
      && x.inboundVideo.framesDecoded > 30 && x.inboundAudio.audioLevel > 0.01, 20000);
    console.log(`  ${who.name}: video ${s.stats.inboundVideo.frameWidth}x${s.stats.inboundVideo.frameHeight}`
      + ` frames=${s.stats.inboundVideo.framesDecoded} audio level=${s.stats.inboundAudio.audioLevel}`);
    assert(s.ok, `${who.name}: ${JSON.stringify(s.stats)}`);
    assertEq(s.stats.inboundVideo.frameWidth, 1280, `${who.name} mix width`);
  }
});

// Waits until GET /rooms shows `layout` with three occupied cells, then
// checks every browser shows each participant's colour in its cell.
async function checkCells(layout, timeoutMs) {
  const t0 = Date.now();
  const room = await poll(async () => {
    const r = await request(`${server.base}/rooms/${ROOM}`);
    return r.json && r.json.mix && r.json.mix.layout === layout
      && r.json.mix.cells.filter((c) => c.participant).length === 3 ? r.json : null;
  }, timeoutMs);
  assert(room, `GET /rooms shows no layout ${layout} with three cells`);
  const cells = room.mix.cells.filter((c) => c.participant);
  console.log(`  layout ${room.mix.layout}: ${cells.map((c) => `${c.participant.slice(0, 4)}@`
    + `(${c.x.toFixed(2)},${c.y.toFixed(2)} ${c.w.toFixed(2)}x${c.h.toFixed(2)})`).join(' ')}`);
  const colourOf = Object.fromEntries(PEOPLE.map((p) => [p.id, p]));
  // sample well inside each cell (cells may overlap in a pip layout:
  // the centre of the topmost one is what shows)
  const points = cells.map((c) => [c.x + c.w / 2, c.y + c.h / 2]);
  for (const who of PEOPLE) {
    const ok = await poll(async () => {
      const px = await sampleVideo(who.page, points);
      return px.every((rgb, i) => close(rgb, colourOf[cells[i].participant].rgb)) ? px : null;
    }, Math.max(500, timeoutMs - (Date.now() - t0)), 200);
    const px = ok || await sampleVideo(who.page, points);
    console.log(`  ${who.name} sees after ${Date.now() - t0} ms: ${px.map((rgb, i) =>
      `${colourOf[cells[i].participant].name}=${JSON.stringify(rgb)}`).join(' ')}`);
    if (!ok) {
      const r = await request(`${server.base}/rooms/${ROOM}`);
      for (const p of r.json.participants) console.log(`  ${p.id.slice(0, 4)}: ${JSON.stringify(p.counters)}`);
    }
    assert(ok, `${who.name} sees the wrong colours in the cells of ${layout}`);
  }
  return cells;
}

const putLayout = (layout) => request(`${server.base}/rooms/${ROOM}/layout`, {
  method: 'PUT', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ layout }),
});

suite.test('every cell shows the colour of the participant the layout put there', async () => {
  await checkCells('auto', 5000);
});

suite.test('GET /rooms/{room}/canvas.png shows the same cells', async () => {
  const r = await request(`${server.base}/rooms/${ROOM}`);
  const cells = r.json.mix.cells.filter((c) => c.participant);
  const colourOf = Object.fromEntries(PEOPLE.map((p) => [p.id, p]));
  const points = cells.map((c) => [c.x + c.w / 2, c.y + c.h / 2]);
  // decode the PNG in a page: same origin, the browser's own decoder
  const png = await PEOPLE[0].page.evaluate(async ([url, pts]) => {
    const res = await fetch(url);
    const type = res.headers.get('content-type');
    const img = await createImageBitmap(await res.blob());
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(img, 0, 0);
    return { status: res.status, type, w: img.width, h: img.height,
      px: pts.map(([x, y]) => Array.from(g.getImageData(Math.floor(x * c.width),
        Math.floor(y * c.height), 1, 1).data.slice(0, 3))) };
  }, [`${server.base}/rooms/${ROOM}/canvas.png`, points]);
  console.log(`  canvas.png: ${png.status} ${png.type} ${png.w}x${png.h} `
    + png.px.map((rgb, i) => `${colourOf[cells[i].participant].name}=${JSON.stringify(rgb)}`).join(' '));
  assertEq(png.status, 200, 'canvas.png status');
  assertEq(png.type, 'image/png', 'canvas.png type');
  // the picture of the room's one profile
  assert(png.w === 1280 && png.h === 720, `canvas.png is ${png.w}x${png.h}, not 1280x720`);
  png.px.forEach((rgb, i) => assert(close(rgb, colourOf[cells[i].participant].rgb),
    `canvas.png cell ${i} is ${JSON.stringify(rgb)}, not ${colourOf[cells[i].participant].name}`));
});

suite.test('PUT /rooms/{room}/layout changes what the browsers see within 2 s', async () => {
  const r = await putLayout('speaker');
  assertEq(r.status, 200, `PUT layout: ${r.text}`);
  await checkCells('speaker', 2000);
  const bad = await putLayout('nonesuch');
  assertEq(bad.status, 400, 'PUT of an unknown preset');
  assert(/presets/.test(bad.json.error), `error does not list presets: ${bad.text}`);
});

suite.test('a layouts file edit is picked up live; a broken edit is refused', async () => {
  fs.appendFileSync(layoutsFile, [
    '  row:',
    '    background: "#000000"',
    '    slots:',
    '      - {x: 0, y: 0.25, w: 0.3333, h: 0.5}',
    '      - {x: 0.3333, y: 0.25, w: 0.3334, h: 0.5}',
    '      - {x: 0.6667, y: 0.25, w: 0.3333, h: 0.5}',
    '',
  ].join('\n'));
  const seen = await poll(async () => {
    const r = await request(`${server.base}/layouts`);
    return r.json.layouts.includes('row');
  }, 3000, 100);
  assert(seen, 'the new preset did not appear in GET /layouts within 3 s');
  assertEq((await putLayout('row')).status, 200, 'PUT the new preset');
  const cells = await checkCells('row', 2000);
  assert(cells.every((c) => Math.abs(c.y - 0.25) < 0.01), 'cells are not in one row');

  const good = fs.readFileSync(layoutsFile, 'utf8');
  fs.writeFileSync(layoutsFile, good.replace('x: 0.6667, y: 0.25', 'x: 1.6667, y: 0.25'));
  const refused = await poll(() => /keeping the presets in use/.test(server.log()), 3000, 100);
  assert(refused, 'the broken edit was not reported');
  const r = await request(`${server.base}/layouts`);
  assert(r.json.layouts.includes('row'), 'the old presets were dropped after a broken edit');
  await checkCells('row', 1000);
  fs.writeFileSync(layoutsFile, good);
});

suite.test('GET /rooms shows the mixer encoding video and mixing audio', async () => {
  await sleep(500);
  const r = await request(`${server.base}/rooms/${ROOM}`);
  const m = r.json.mix;
  console.log(`  mix: ${JSON.stringify({ ...m, cells: m.cells.length })}`);
  for (const p of r.json.participants) {
    const c = p.counters;
    console.log(`  ${p.id.slice(0, 4)}: rtp in ${c.rtp_in} out ${c.rtp_out} decode_errors `
      + `${c.decode_errors} frames_dropped ${c.frames_dropped} nack_out ${c.nack_out}`);
  }
  assert(m.video_frames > 60, `only ${m.video_frames} video frames encoded`);
  // the demo page sent each one's name with its WHIP request
  for (const who of PEOPLE) {
    const p = r.json.participants.find((x) => x.id === who.id);
    assertEq(p && p.name, who.name, `${who.id} name`);
  }
  assert(m.audio_ticks > 200, `only ${m.audio_ticks} audio blocks mixed`);
});

// A WHIP join that never connects has a cell but no video: the cell is a
// placeholder at once, its name drawn on it in light letters.
suite.test('a participant without video is a placeholder showing its name', async () => {
  assertEq((await putLayout('auto')).status, 200, 'PUT layout auto'); // "row" has 3 slots
  const offer = fs.readFileSync(path.join(TESSERA_ROOT, 'tests', 'vectors', 'chrome_sendrecv.sdp'), 'utf8');
  const r = await request(`${server.base}/rooms/${ROOM}/whip?name=Quiet%20Quinn`, {
    method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer,
  });
  assertEq(r.status, 201, `WHIP without media: ${r.text.slice(0, 160)}`);
  const id = r.headers.get('location').split('/').pop();
  try {
    const cell = await poll(async () => (await request(`${server.base}/rooms/${ROOM}`))
      .json.mix.cells.find((c) => c.participant === id), 3000, 100);
    assert(cell, 'no cell for the participant without video');
    let last = null;
    const seen = await poll(async () => {
      last = await placeholderCell(PEOPLE[0].page, `${server.base}/rooms/${ROOM}/canvas.png`, cell);
      return last.placeholder;
    }, 4000, 300);
    console.log(`  placeholder cell in canvas.png: ${JSON.stringify(last)}`);
    assert(seen, 'the placeholder cell shows no light name on a dark fill');
  } finally {
    await request(`${server.base}/rooms/${ROOM}/participants/${id}`, { method: 'DELETE' });
  }
});

suite.finally(async () => {
  for (const who of PEOPLE) await who.browser?.close().catch(() => {});
});
addCleanShutdownStep(suite, () => server);
await suite.run();
