// HTTP API error handling, no browser: every bad request gets the right
// status, and the server stays up.
import {
  Suite, startServer, request, assert, assertEq, addCleanShutdownStep,
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

addCleanShutdownStep(suite, () => server);
suite.finally(() => { if (server) server.kill(); });

await suite.run();
