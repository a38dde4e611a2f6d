// Churn: 100 join/leave cycles of a scripted client (tes_loadgen, Tessera's
// own ICE/DTLS/SRTP stack, sending VP8 and Opus into a mixed room: ten
// participants at a time, ten times).  The server's resident memory after
// them is within 10 % of what it was after a warm-up, the room is gone,
// and it exits cleanly (under the ASan stage LeakSanitizer checks at exit
// that nothing leaked).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  Suite, startServer, request, assert, assertEq, addCleanShutdownStep, poll, sleep,
} from './lib.mjs';

const ROOM = 'churn';
const LOADGEN = process.env.TES_LOADGEN
  || path.join(process.env.TESSERA_ROOT || '.', 'build', 'bench', 'tes_loadgen');
const suite = new Suite('churn', { deadlineMs: 170000 });
let server;
let clip;

const rssKb = () => Number(fs.readFileSync(`/proc/${server.proc.pid}/status`, 'utf8')
  .match(/^VmRSS:\s+(\d+) kB/m)[1]);

// runs the load generator to its end; resolves to its output, rejects
// unless it exits 0
function loadgen(cycles) {
  return new Promise((resolve, reject) => {
    const lg = spawn(LOADGEN, ['--url', server.base, '--room', ROOM, '--count', '10',
      '--seconds', '1', '--cycles', String(cycles), '--video', clip, '--talkers', '3'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    lg.stdout.on('data', (d) => { out += d; });
    lg.stderr.on('data', (d) => { out += d; });
    lg.on('exit', (code) => (code === 0 ? resolve(out)
      : reject(new Error(`tes_loadgen exited ${code}:\n${out.slice(-2000)}`))));
  });
}

suite.test('server and a clip', async () => {
  // under ASan, freed memory waits in a quarantine (256 MB by default)
  // before reuse: resident memory would measure the quarantine
  const asan = process.env.ASAN_OPTIONS;
  server = suite.server = await startServer({ mode: 'mix',
    env: asan ? { ASAN_OPTIONS: `${asan}:quarantine_size_mb=0:thread_local_quarantine_size_kb=0` } : {} });
  clip = path.join(server.dir, 'clip.ivf');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i',
    'testsrc2=size=320x180:rate=30', '-t', '2', '-c:v', 'libvpx', '-b:v', '300k',
    '-g', '30', clip]);
});

suite.test('100 join/leave cycles; memory within 10 % of the warm-up\'s', async () => {
  // a closed room's memory goes back to the system a second after it
  // closed: sample once the room is gone, 2 s later
  const settled = async () => {
    const gone = await poll(async () =>
      (await request(`${server.base}/rooms`)).json.rooms.length === 0, 10000, 100);
    assert(gone, `rooms left after the load generator: ${(await request(`${server.base}/rooms`)).text}`);
    await sleep(2000);
    return rssKb();
  };
  await loadgen(2); // warm-up: 20 cycles, the allocator's pools grow
  const before = await settled();
  const t0 = Date.now();
  const out = await loadgen(10);
  const after = await settled();
  const cycles = out.split('\n').filter((l) => /^cycle \d+ of 10: every participant/.test(l)).length;
  console.log(`  ${cycles * 10} join/leave cycles in ${((Date.now() - t0) / 1000).toFixed(1)} s; `
    + `RSS ${before} kB after the warm-up, ${after} kB after (${((after / before - 1) * 100).toFixed(1)} %)`);
  assertEq(cycles, 10, 'rounds of ten where everyone joined, connected and left');
  assert(after <= before * 1.1, `RSS grew from ${before} to ${after} kB`);
  assert(!/ERROR|runtime error/.test(server.log()), 'the server logged a sanitizer error');
});

addCleanShutdownStep(suite, () => server);
await suite.run();
