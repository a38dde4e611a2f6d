// HTTP API error handling, no browser: every bad request gets the right
// status, and the server stays up.  A display name given with ?name= is
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
