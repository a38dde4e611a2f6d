// HTTP API error handling, no browser: every bad request gets the right
// status, and the server stays up.  A table of hostile requests (path
// tricks, wrong methods, bad JSON and SDP, bad tokens, an answer nobody
// asked for) gets a 4xx with a JSON reason each.  A display name given with ?name= is
// checked and shown by GET /rooms/{room}.
import fs from 'node:fs';
import path from 'node:path';
import {
  TESSERA_ROOT, Suite, startServer, request, assert, assertEq, addCleanShutdownStep,
} from './lib.mjs';

const suite = new Suite('http_errors', { stopOnFail: false });
let server;

const whip = (room = 'errs') => `${server.base}/rooms/${room}/whip`;

function expectJsonError(r, what) {
  assert(r.json && typeof r.json.error === 'string' && r.json.error.length > 0,
    `${what}: body is not JSON {"error": "..."}: ${r.text.slice(0, 200)}`);
}

async function check(what, url, opts, expected, { jsonError = true } = {}) {
  const r = await request(url, opts);
  console.log(`  ${what} -> ${r.status} ${r.text.trim().slice(0, 160)}`);
  assertEq(r.status, expected, `${what} status`);
  if (jsonError) expectJsonError(r, what);
  return r;
}

suite.test('server starts', async () => {
  server = suite.server = await startServer();
  console.log(`  server on ${server.base}, log ${server.logFile}`);
});

suite.test('POST whip with Content-Type text/plain -> 415', () =>
  check('POST whip text/plain', whip(),
    { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'v=0\r\n' }, 415));

suite.test('POST whip with a 1 MiB body -> 413', () =>
  check('POST whip 1 MiB', whip(), {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: 'v=0\r\n' + 'a=x\r\n'.repeat((1 << 20) / 5),
    timeoutMs: 10000,
  }, 413));

suite.test('POST whip with garbage SDP -> 400 with JSON error', () =>
  check('POST whip garbage', whip(), {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: 'this is not an SDP offer\r\nhello=world\r\n{"sdp": 42}\r\n',
  }, 400));

// a real browser offer: only the name can be wrong
const OFFER = fs.readFileSync(path.join(TESSERA_ROOT, 'tests', 'vectors', 'chrome_sendrecv.sdp'), 'utf8');
const withOffer = { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: OFFER };

suite.test('POST whip with a bad ?name= -> 400 with JSON error', async () => {
  for (const [what, q] of [
    ['empty', 'name='],
    ['65 bytes', `name=${'x'.repeat(65)}`],
    ['control character', 'name=a%01b'],
    ['C1 control character', 'name=a%C2%85b'],
    ['not UTF-8', 'name=%FF%FE'],
  ]) {
    const r = await check(`name ${what}`, `${whip()}?${q}`, withOffer, 400);
    assert(/name/.test(r.json.error), `name ${what}: error does not say why: ${r.text}`);
  }
});

suite.test('GET /rooms/nope -> 404', () =>
  check('GET /rooms/nope', `${server.base}/rooms/nope`, {}, 404));

suite.test('DELETE unknown participant -> 404', () =>
  check('DELETE unknown participant', `${server.base}/rooms/nope/participants/does-not-exist`,
    { method: 'DELETE' }, 404));

suite.test('PUT /rooms -> 405', () =>
  check('PUT /rooms', `${server.base}/rooms`, { method: 'PUT', body: '{}' }, 405));

// [what, method, path, content type, body, status]: with the ones above,
// more than 50 hostile requests
const HOSTILE = [
  ['dot-dot in a room name (the path is resolved first)', 'GET', '/rooms/..%2f..%2fetc', '', '', 404],
  ['dot-dot in a static path', 'GET', '/../conf/tessera.yaml', '', '', 404],
  ['encoded dot-dot in a static path', 'GET', '/%2e%2e/%2e%2e/etc/passwd', '', '', 404],
  ['a room name of 65 characters', 'GET', `/rooms/${'a'.repeat(65)}`, '', '', 400],
  ['a room name with a space', 'GET', '/rooms/a%20b', '', '', 400],
  ['a room name with a quote', 'GET', '/rooms/a%22b', '', '', 400],
  ['a participant id with a slash', 'DELETE', '/rooms/r/participants/a%2fb', '', '', 404],
  ['an unknown room resource', 'GET', '/rooms/r/secrets', '', '', 404],
  ['GET on whip', 'GET', '/rooms/r/whip', '', '', 405],
  ['PUT on whip', 'PUT', '/rooms/r/whip', 'application/sdp', 'v=0', 405],
  ['DELETE on whep', 'DELETE', '/rooms/r/whep', '', '', 405],
  ['POST on a room', 'POST', '/rooms/r', 'application/json', '{}', 405],
  ['GET on mode', 'GET', '/rooms/r/mode', '', '', 405],
  ['POST on layout', 'POST', '/rooms/r/layout', 'application/json', '{}', 405],
  ['PUT on a participant', 'PUT', '/rooms/r/participants/AAAAAAAAAAAAAAAA', 'application/json', '{}', 405],
  ['GET on a participant', 'GET', '/rooms/r/participants/AAAAAAAAAAAAAAAA', '', '', 405],
  ['the event channel over plain HTTP', 'GET', '/rooms/r/participants/AAAAAAAAAAAAAAAA/events', '', '', 426],
  ['PUT layout of no room', 'PUT', '/rooms/none/layout', 'application/json', '{"layout":"auto"}', 404],
  ['PUT layout, not JSON', 'PUT', '/rooms/none/layout', 'application/json', '{"layout":', 400],
  ['PUT layout, JSON of the wrong shape', 'PUT', '/rooms/none/layout', 'application/json', '["auto"]', 400],
  ['PUT layout, text/plain', 'PUT', '/rooms/none/layout', 'text/plain', 'auto', 415],
  ['PUT mode of no room', 'PUT', '/rooms/none/mode', 'application/json', '{"mode":"sfu"}', 404],
  ['PUT mode, a number', 'PUT', '/rooms/none/mode', 'application/json', '{"mode":7}', 400],
  ['PUT mode, deeply nested JSON', 'PUT', '/rooms/none/mode', 'application/json',
    `${'['.repeat(5000)}${']'.repeat(5000)}`, 400],
  ['PUT profile size of no room', 'PUT', '/rooms/none/profiles/vp8-720p', 'application/json',
    '{"width":640,"height":360}', 404],
  ['POST a recording in no room', 'POST', '/rooms/none/recordings', 'application/json',
    '{"profile":"vp8-720p","format":"webm"}', 404],
  ['POST a recording, not JSON', 'POST', '/rooms/none/recordings', 'application/json', 'webm', 400],
  ['POST a stream, bad URL', 'POST', '/rooms/none/streams', 'application/json', '{"url":42}', 400],
  ['DELETE a recording of no room', 'DELETE', '/rooms/none/recordings/ABCDEFGH', '', '', 404],
  ['an HLS file of no room', 'GET', '/rooms/none/hls/index.m3u8', '', '', 404],
  ['an HLS file with dot-dot', 'GET', '/rooms/none/hls/..%2f..%2fconf', '', '', 404],
  ['canvas.png of no room', 'GET', '/rooms/none/canvas.png', '', '', 404],
  ['PATCH an answer to no participant', 'PATCH', '/rooms/none/participants/AAAAAAAAAAAAAAAA',
    'application/sdp', 'v=0\r\n', 404],
  ['PATCH with trickle ICE', 'PATCH', '/rooms/none/participants/AAAAAAAAAAAAAAAA',
    'application/trickle-ice-sdpfrag', 'a=candidate:1 1 udp 1 1.2.3.4 5 typ host', 415],
  ['WHIP with an SDP of NUL bytes', 'POST', '/rooms/r/whip', 'application/sdp', 'v=0\r\n\0\0\0', 400],
  ['WHIP with an empty body', 'POST', '/rooms/r/whip', 'application/sdp', '', 400],
  ['WHIP with an SDP of a thousand m-lines', 'POST', '/rooms/r/whip', 'application/sdp',
    `v=0\r\n${'m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'.repeat(1000)}`, 400],
  ['WHIP with no ICE credentials', 'POST', '/rooms/r/whip', 'application/sdp',
    'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\n', 400],
  ['WHEP into no room', 'POST', '/rooms/none/whep', 'application/sdp', 'v=0\r\n', 404],
  ['a bad Bearer token (auth off: ignored, no room)', 'GET', '/rooms/none', '', '', 404],
];

suite.test(`${HOSTILE.length} more hostile requests: each a 4xx with a JSON reason`, async () => {
  const wrong = [];
  for (const [what, method, p, ctype, body, status] of HOSTILE) {
    const headers = ctype ? { 'Content-Type': ctype } : {};
    if (/Bearer/.test(what)) headers.Authorization = 'Bearer not.a.jwt';
    const r = await request(`${server.base}${p}`, {
      method, headers, ...(method === 'GET' || method === 'DELETE' ? {} : { body }) });
    console.log(`  ${what} -> ${r.status} ${r.text.trim().slice(0, 120)}`);
    if (r.status !== status || !(r.json && typeof r.json.error === 'string' && r.json.error)) {
      wrong.push(`${what}: ${r.status} (expected ${status}) ${r.text.slice(0, 80)}`);
    }
  }
  assertEq(wrong.join('\n'), '', 'requests answered otherwise');
  const r = await request(`${server.base}/rooms`);
  assertEq(r.status, 200, 'the server still answers');
});

suite.test('no room was created by the failed requests; GET /rooms still works', async () => {
  const r = await request(`${server.base}/rooms`);
  console.log(`  GET /rooms -> ${r.status} ${r.text.trim().slice(0, 200)}`);
  assertEq(r.status, 200, 'GET /rooms status');
  assert(r.json && Array.isArray(r.json.rooms), 'GET /rooms has no rooms array');
  assertEq(r.json.rooms.length, 0, 'rooms after only failed requests');
});

suite.test('POST whip?name= -> GET /rooms/{room} shows the name; default is the id', async () => {
  const name = 'Zoë Müller & co';
  const a = await request(`${whip('named')}?name=${encodeURIComponent(name)}`, withOffer);
  const b = await request(whip('named'), withOffer);
  assertEq(a.status, 201, `join with a name: ${a.text.slice(0, 160)}`);
  assertEq(b.status, 201, `join without a name: ${b.text.slice(0, 160)}`);
  const idA = a.headers.get('location').split('/').pop();
  const idB = b.headers.get('location').split('/').pop();
  const r = await request(`${server.base}/rooms/named`);
  const names = Object.fromEntries(r.json.participants.map((p) => [p.id, p.name]));
  console.log(`  GET /rooms/named -> ${JSON.stringify(names)}`);
  assertEq(names[idA], name, 'name given');
  assertEq(names[idB], idB, 'name not given');
  for (const id of [idA, idB]) {
    assertEq((await request(`${server.base}/rooms/named/participants/${id}`,
      { method: 'DELETE' })).status, 200, 'DELETE');
  }
});

addCleanShutdownStep(suite, () => server);
suite.finally(() => { if (server) server.kill(); });

await suite.run();
