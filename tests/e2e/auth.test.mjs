// Access tokens (auth.required), /metrics and the request rate limit.
// Tokens come from `tessera --make-token`; the ones it refuses to make
// (expired, not yet valid, unsigned) are made here with node:crypto.
// A browser joins with the demo page's token option and its call
// connects; admin routes need admin; the rate limit answers 429 after
// the burst.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  TESSERA_BIN, TESSERA_ROOT, Suite, startServer, launchBrowser, openDemoPage, join, leave,
  waitStats, request, assert, assertEq, addCleanShutdownStep, sleep,
} from './lib.mjs';

const ROOM = 'secure';
const SECRET = crypto.randomBytes(32).toString('hex');
const BURST = 100;
const suite = new Suite('auth', { deadlineMs: 120000 });
let server, browser, page, partId;
const tok = {};

const OFFER = fs.readFileSync(path.join(TESSERA_ROOT, 'tests', 'vectors', 'chrome_sendrecv.sdp'), 'utf8');
const RECVONLY = fs.readFileSync(path.join(TESSERA_ROOT, 'tests', 'vectors', 'chrome_recvonly.sdp'), 'utf8');

const bearer = (t) => (t ? { Authorization: `Bearer ${t}` } : {});
const whip = (room, t, body = OFFER) => request(`${server.base}/rooms/${room}/whip`, {
  method: 'POST', headers: { 'Content-Type': 'application/sdp', ...bearer(t) }, body,
});
const get = (p, t) => request(`${server.base}${p}`, { headers: bearer(t) });

function makeToken(room, sub, rights, ttl = 600) {
  return execFileSync(TESSERA_BIN, ['-c', server.configFile, '--make-token', '--room', room,
    '--sub', sub, '--rights', rights, '--ttl', String(ttl)]).toString().trim();
}

// A JWT made without tessera: HS256 over our secret unless alg says otherwise
function jwt(claims, { alg = 'HS256', key = SECRET } = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  if (alg === 'none') return `${data}.`;
  return `${data}.${crypto.createHmac('sha256', key).update(data).digest('base64url')}`;
}

function expectError(r, status, what, re) {
  console.log(`  ${what} -> ${r.status} ${r.text.trim().slice(0, 160)}`);
  assertEq(r.status, status, `${what} status`);
  assert(r.json && typeof r.json.error === 'string' && r.json.error, `${what}: no JSON error`);
  if (re) assert(re.test(r.json.error), `${what}: reason ${JSON.stringify(r.json.error)} does not match ${re}`);
}

function metric(text, name) {
  const m = text.match(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

suite.test('server with auth.required starts; tokens from tessera --make-token', async () => {
  server = suite.server = await startServer({
    configExtra: `auth:\n  required: true\n  secret: ${SECRET}\n`,
    httpExtra: `  rate_limit_per_s: 5\n  rate_burst: ${BURST}`,
  });
  console.log(`  server on ${server.base}, log ${server.logFile}`);
  tok.pub = makeToken(ROOM, 'alice', 'publish,subscribe');
  tok.sub = makeToken(ROOM, 'bob', 'subscribe');
  tok.carol = makeToken(ROOM, 'carol', 'publish');
  tok.other = makeToken('elsewhere', 'mallory', 'publish,subscribe,admin');
  tok.roomAdmin = makeToken(ROOM, 'op', 'admin');
  tok.admin = makeToken('*', 'root', 'admin');
  assert(/^[\w-]+\.[\w-]+\.[\w-]{43}$/.test(tok.pub), `not a JWT: ${tok.pub}`);
  // the demo page's files need no token
  assertEq((await get('/')).status, 200, 'GET /');
  assertEq((await get('/layouts')).status, 200, 'GET /layouts');
});

suite.test('WHIP without a token -> 401 with WWW-Authenticate: Bearer', async () => {
  const r = await whip(ROOM, null);
  expectError(r, 401, 'no token', /token is needed/);
  const wa = r.headers.get('www-authenticate');
  console.log(`  WWW-Authenticate: ${wa}`);
  assert(wa && /^Bearer realm="tessera"$/.test(wa), `WWW-Authenticate: ${wa}`);
});

suite.test('malformed, expired, not yet valid, unsigned, wrongly signed tokens -> 401', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { room: ROOM, sub: 'alice', rights: ['publish'] };
  for (const [what, t, re] of [
    ['malformed', 'not-a-token', /three base64url parts/],
    ['not base64url', 'a+b.c.d', /base64url/],
    ['expired', jwt({ ...claims, exp: now - 60 }), /^token expired$/],
    ['not yet valid', jwt({ ...claims, exp: now + 600, nbf: now + 300 }), /not yet valid/],
    ['alg none', jwt({ ...claims, exp: now + 600 }, { alg: 'none' }), /alg none/],
    ['alg RS256', jwt({ ...claims, exp: now + 600 }, { alg: 'RS256' }), /not HS256/],
    ['another key', jwt({ ...claims, exp: now + 600 }, { key: 'x'.repeat(32) }), /bad token signature/],
    ['no exp', jwt(claims), /no exp/],
  ]) {
    const r = await whip(ROOM, t);
    expectError(r, 401, what, re);
    const wa = r.headers.get('www-authenticate') || '';
    assert(/error="invalid_token"/.test(wa), `${what}: WWW-Authenticate ${wa}`);
  }
  const r = await request(`${server.base}/rooms/${ROOM}/whip`, {
    method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: 'Basic YTpi' }, body: OFFER,
  });
  expectError(r, 401, 'Basic instead of Bearer', /Bearer/);
});

suite.test('a subscribe-only token -> 403 on a sendrecv WHIP, 201 on a recvonly one', async () => {
  expectError(await whip(ROOM, tok.sub), 403, 'subscribe token, sendrecv offer', /no publish right/);
  const r = await whip(ROOM, tok.sub, RECVONLY);
  console.log(`  subscribe token, recvonly offer -> ${r.status}`);
  assertEq(r.status, 201, `recvonly WHIP with a subscribe token: ${r.text.slice(0, 160)}`);
  const loc = r.headers.get('location');
  // only its owner (or an admin) may act on it
  const del = (t) => request(`${server.base}${loc}`, { method: 'DELETE', headers: bearer(t) });
  expectError(await del(tok.carol), 404, 'DELETE by another sub of the room', /no participant/);
  expectError(await del(tok.other), 403, 'DELETE with a token for another room');
  assertEq((await del(tok.sub)).status, 200, 'DELETE by its owner');
});

suite.test('a good token: the demo page joins (token option) and its call connects', async () => {
  browser = await launchBrowser();
  ({ page } = await openDemoPage(browser, server, 'alice'));
  const r = await join(page, ROOM, { token: tok.pub });
  console.log(`  POST /rooms/${ROOM}/whip -> ${r.status}, Location ${r.location}`);
  assertEq(r.status, 201, 'WHIP status');
  partId = new URL(r.location).pathname.split('/').pop();
  const w = await waitStats(page, (s) => s.connectionState === 'connected'
    && s.inboundVideo.framesDecoded > 30, 20000);
  const first = w.stats.inboundVideo.framesDecoded;
  await sleep(1500);
  const later = (await waitStats(page, () => true, 1000)).stats.inboundVideo.framesDecoded;
  console.log(`  after ${w.ms} ms: ${w.stats.connectionState}, framesDecoded ${first} -> ${later}`);
  assertEq(w.stats.connectionState, 'connected', 'connectionState');
  assert(later > first, `framesDecoded not rising: ${first} -> ${later}`);
  // the event channel took ?token=: it said hello
  const events = await page.evaluate(() => window.tessera.events());
  assert(events.some((e) => e.type === 'hello'), `no hello on the event channel: ${JSON.stringify(events)}`);
});

suite.test('event channel without a token, or with another sub\'s: refused', async () => {
  const tryChannel = (token) => page.evaluate(([loc, t]) => new Promise((resolve) => {
    const u = new URL(`${loc}/events`);
    u.protocol = 'ws:';
    if (t) u.searchParams.set('token', t);
    const ws = new WebSocket(u.href);
    const msgs = [];
    ws.onmessage = (m) => msgs.push(JSON.parse(m.data));
    ws.onclose = (ev) => resolve({ code: ev.code, msgs });
    setTimeout(() => { ws.close(); resolve({ code: 'open', msgs }); }, 3000);
  }), [`${server.base}/rooms/${ROOM}/participants/${partId}`, token]);
  // each gets one error message and is closed (no hello)
  const refused = (r, what, pred) => {
    console.log(`  ${what}: close ${r.code}, ${JSON.stringify(r.msgs)}`);
    assert(r.code !== 'open', `${what}: still open after 3 s`);
    assertEq(r.msgs.length, 1, `${what}: messages`);
    assert(r.msgs[0].type === 'error' && pred(r.msgs[0]), `${what}: ${JSON.stringify(r.msgs[0])}`);
  };
  refused(await tryChannel(null), 'no token', (m) => m.status === 401 && /token is needed/.test(m.error));
  refused(await tryChannel('x.y.z'), 'bad token', (m) => m.status === 401);
  refused(await tryChannel(tok.carol), 'carol\'s token', (m) => /no participant/.test(m.error));
  refused(await tryChannel(tok.other), 'another room\'s token',
    (m) => m.status === 403 && /not for this room/.test(m.error));
  // alice's own channel was not replaced by any of them
  const s = await waitStats(page, (x) => x.connectionState === 'connected', 2000);
  assert(s.ok, 'the call dropped');
  const ev = await page.evaluate(() => window.tessera.events());
  assert(!ev.some((e) => e.type === 'error' && /replaced/.test(e.error)), 'alice\'s event channel was replaced');
});

suite.test('a token for another room -> 403, the same answer whether or not the room exists', async () => {
  const a = await whip(ROOM, tok.other);
  const b = await whip('no-such-room', tok.other);
  expectError(a, 403, `WHIP ${ROOM} (exists)`, /not for this room/);
  expectError(b, 403, 'WHIP no-such-room');
  assertEq(a.text, b.text, 'bodies for an existing and a missing room');
  assertEq(a.headers.get('www-authenticate'), b.headers.get('www-authenticate'), 'WWW-Authenticate');
  const c = await get(`/rooms/${ROOM}`, tok.other);
  const d = await get('/rooms/no-such-room', tok.other);
  assertEq(c.status, 403, `GET /rooms/${ROOM} status`);
  assertEq(c.text, d.text, 'GET bodies for an existing and a missing room');
});

suite.test('admin routes: 403 without admin, 200 with it', async () => {
  expectError(await get(`/rooms/${ROOM}`, tok.pub), 403, 'GET room, publish token', /no admin right/);
  expectError(await get(`/rooms/${ROOM}`), 401, 'GET room, no token');
  let r = await get(`/rooms/${ROOM}`, tok.roomAdmin);
  assertEq(r.status, 200, 'GET room with the room\'s admin token');
  const me = r.json.participants.find((p) => p.id === partId);
  assert(me && me.owner === 'alice', `participant's owner: ${JSON.stringify(me)}`);
  expectError(await get('/rooms', tok.roomAdmin), 403, 'GET /rooms, one room\'s admin', /every room/);
  r = await get('/rooms', tok.admin);
  assertEq(r.status, 200, 'GET /rooms with room * admin');
  assert(r.json.rooms.some((x) => x.name === ROOM), 'room not listed');
  const put = (t) => request(`${server.base}/rooms/${ROOM}/layout`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json', ...bearer(t) },
    body: JSON.stringify({ layout: 'speaker' }),
  });
  expectError(await put(tok.pub), 403, 'PUT layout, publish token', /no admin right/);
  assertEq((await put(tok.roomAdmin)).status, 200, 'PUT layout, admin');
  const rec = (t) => get(`/rooms/${ROOM}/recordings`, t);
  expectError(await rec(tok.pub), 403, 'GET recordings, publish token');
  assertEq((await rec(tok.roomAdmin)).status, 200, 'GET recordings, admin');
  expectError(await get(`/rooms/${ROOM}/streams`, tok.sub), 403, 'GET streams, subscribe token');
});

let before;
suite.test('/metrics: 401 without a token, 403 for one room\'s admin, 200 with counters', async () => {
  expectError(await get('/metrics'), 401, '/metrics no token');
  expectError(await get('/metrics', tok.roomAdmin), 403, '/metrics one room\'s admin');
  const r = await get('/metrics', tok.admin);
  assertEq(r.status, 200, '/metrics status');
  assertEq(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8', 'content type');
  before = r.text;
  const want = {
    'tessera_rooms{mode="mix"}': (v) => v === 1,
    'tessera_participants{mode="mix"}': (v) => v === 1,
    tessera_participants_joined_total: (v) => v === 2,
    tessera_participant_rtp_in_total: (v) => v > 100,
    tessera_participant_rtp_out_total: (v) => v > 100,
    tessera_participant_rtcp_in_total: (v) => v > 0,
    tessera_participant_srtp_auth_fail_total: (v) => v === 0,
    tessera_media_port_rx_packets_total: (v) => v > 100,
    tessera_media_port_stun_auth_fail_total: (v) => v === 0,
    tessera_mix_video_frames_total: (v) => v > 0,
    'tessera_http_responses_total{code="2xx"}': (v) => v > 5,
    'tessera_http_responses_total{code="4xx"}': (v) => v > 10,
    tessera_http_rejected_unauthorized_total: (v) => v >= 12,
    tessera_http_rejected_forbidden_total: (v) => v >= 10,
    tessera_http_rate_limited_total: (v) => v === 0,
    tessera_event_channels: (v) => v === 1,
  };
  for (const [name, ok] of Object.entries(want)) {
    const v = metric(r.text, name);
    console.log(`  ${name} ${v}`);
    assert(v !== null && ok(v), `${name} is ${v}`);
  }
  for (const line of r.text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    assert(/^[a-z_]+(\{[a-z]+="[^"]*"\})? \d+$/.test(line), `not a sample line: ${line}`);
  }
  assert(/^# TYPE tessera_participant_drop_malformed_total counter$/m.test(r.text), 'no TYPE line');
});

suite.test('after leaving, the gauges drop and the counters stay', async () => {
  await leave(page);
  const r = await get('/metrics', tok.admin);
  assertEq(r.status, 200, '/metrics status');
  for (const name of ['tessera_participant_rtp_in_total', 'tessera_participant_bytes_in_total',
    'tessera_media_port_rx_packets_total']) {
    console.log(`  ${name} ${metric(before, name)} -> ${metric(r.text, name)}`);
    assert(metric(r.text, name) >= metric(before, name), `${name} went down`);
  }
  assertEq(metric(r.text, 'tessera_participants{mode="mix"}'), 0, 'participants after leaving');
});

suite.test(`the rate limit: 429 with Retry-After after a burst of ${BURST}`, async () => {
  // wait until the bucket is full again (5 a second)
  await sleep(BURST / 5 * 1000);
  const rs = await Promise.all(Array.from({ length: BURST + 30 },
    () => request(`${server.base}/layouts`, { timeoutMs: 10000 })));
  const ok = rs.filter((r) => r.status === 200).length;
  const limited = rs.filter((r) => r.status === 429);
  console.log(`  ${rs.length} requests at once: ${ok} x 200, ${limited.length} x 429`);
  assert(ok >= BURST - 2 && ok <= BURST + 5, `${ok} answered before the limit, burst ${BURST}`);
  assert(limited.length > 0, 'no 429');
  const l = limited[0];
  console.log(`  429: Retry-After ${l.headers.get('retry-after')}, ${l.text.trim()}`);
  assert(Number(l.headers.get('retry-after')) >= 1, 'Retry-After');
  assert(/too many requests/.test(l.json && l.json.error), 'reason');
  await sleep(1500);
  const m = await get('/metrics', tok.admin);
  assertEq(m.status, 200, '/metrics after the wait');
  assertEq(metric(m.text, 'tessera_http_rate_limited_total'), limited.length, 'rate_limited counter');
  assert(/429 over http.rate_limit_per_s/.test(server.log()), 'no log line about the 429s');
});

addCleanShutdownStep(suite, () => server);
suite.finally(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

await suite.run();
