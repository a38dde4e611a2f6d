// SIP digest authentication per room (sip.auth), with baresip as the
// caller.  The server has sip.open_rooms (a call opens its room alone, no
// browser needed), sip.realm tessera-e2e and one room, "locked", whose
// password file holds alice (user:password) and bob (htdigest's
// user:realm:HA1).  Seen here:
//  - alice and bob with the right passwords: baresip answers the 401
//    challenge itself and the call is up; alice's hold re-INVITE is not
//    challenged;
//  - the right user with a wrong password: 403;
//  - no password at all: baresip 1.0.0 answers the 401 anyway (its AOR
//    user, an empty password) and gets 403;
//  - a user added to the password file while the server runs can call
//    (sofia re-reads the file when it changes); one edited into a file
//    sofia cannot read (a NUL byte) makes the room's calls get 500 until
//    it is fixed;
//  - a room without an entry takes calls without a password;
//  - (raw client) no credentials: 401, then the client gives up (ACK); then
//    good credentials whose digest uri names another room: 400;
//  - a second server with auth.required (tokens on HTTP): a room without
//    an entry refuses SIP calls (403), one with passwords challenges.
// Audio only (G.711), to keep it short.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Suite, startServer, request, assert, assertEq, addCleanShutdownStep, poll,
} from './lib.mjs';
import { BaresipSet } from './baresip.mjs';
import { sipClient as rawClient } from './sipraw.mjs';

const LOCKED = 'locked';
const OPEN = 'open-room';
const REALM = 'tessera-e2e';
const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');
const suite = new Suite('sip_auth', { deadlineMs: 120000 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tes-sipauth-'));
const passwd = path.join(dir, 'locked.passwd');
const bs = new BaresipSet(dir, { videoCodecs: [], audioCodecs: ['PCMU/8000/1'] });
const baresip = (opts) => bs.start(opts);
const stopBaresip = (b) => bs.stop(b);
const step = (name, fn) => bs.step(suite, name, fn);
const sipClient = (to = () => server.sipPort) => rawClient(to);
let server;

const uri = (room) => `sip:${room}@127.0.0.1:${server.sipPort}`;
const roomInfo = async (room) => (await request(`${server.base}/rooms/${room}`)).json;
const sipParts = async (room) => ((await roomInfo(room))?.participants || []).filter((p) => p.sip);
// the final responses b received to its INVITEs, in order
const inviteStatuses = (b) => b.sipMessages()
  .filter((m) => !m.tx && m.status >= 200 && /INVITE/.test(m.headers.cseq || ''))
  .map((m) => m.status);
const logLines = (re) => server.log().split('\n').filter((l) => re.test(l));
async function waitLog(re, ms = 3000) {
  const ok = await poll(() => logLines(re).length > 0, ms, 50);
  assert(ok, `no server log line like ${re}`);
  return logLines(re);
}

step('server with sip.auth {locked: passwd}, open rooms', async () => {
  fs.writeFileSync(passwd, [
    '# room locked: alice in plain text, bob as htdigest writes him',
    'alice:open-sesame',
    `bob:${REALM}:${md5(`bob:${REALM}:builder`)}`,
    '',
  ].join('\n'), { mode: 0o600 });
  server = suite.server = await startServer({
    mode: 'mix', sip: true,
    sipExtra: ['  open_rooms: true', `  realm: ${REALM}`, '  auth:', `    ${LOCKED}: ${passwd}`].join('\n'),
  });
  const l = await waitLog(/room locked: callers authenticate/);
  console.log(`  ${l[0].replace(/^.*\[sip\] /, '')}`);
});

step('the right passwords (plain and htdigest): 401, then the call; a re-INVITE is not challenged', async () => {
  const alice = await baresip({ name: 'alice', accountParams: 'auth_pass=open-sesame' });
  const bob = await baresip({ name: 'bob', accountParams: 'auth_user=bob;auth_pass=builder' });
  await Promise.all([alice.dial(uri(LOCKED)), bob.dial(uri(LOCKED))]);
  await Promise.all([alice.waitEvent('CALL_ESTABLISHED', 10000), bob.waitEvent('CALL_ESTABLISHED', 10000)]);
  const parts = await poll(async () => {
    const p = await sipParts(LOCKED);
    return p.length === 2 ? p : null;
  }, 5000);
  assert(parts, `not two SIP participants in ${LOCKED}: ${JSON.stringify(await roomInfo(LOCKED))}`);
  console.log(`  in ${LOCKED}: ${parts.map((p) => `${p.name} (${p.audio})`).join(', ')}`);

  for (const b of [alice, bob]) {
    const msgs = b.sipMessages();
    const challenge = msgs.find((m) => !m.tx && m.status === 401);
    assert(challenge, `${b.name} got no 401`);
    const wa = challenge.headers['www-authenticate'] || '';
    console.log(`  ${b.name}: final responses ${JSON.stringify(inviteStatuses(b))}; 401 with ${wa}`);
    assert(new RegExp(`^Digest .*realm="${REALM}"`).test(wa), `challenge realm: ${wa}`);
    assert(/qop="auth"/.test(wa) && /algorithm=MD5/.test(wa) && /nonce="[^"]+"/.test(wa), `challenge: ${wa}`);
    const invites = msgs.filter((m) => m.tx && m.method === 'INVITE');
    const auth = invites[1]?.headers.authorization || '';
    assert(new RegExp(`username="${b.name}"`).test(auth) && /qop=auth/.test(auth),
      `${b.name}'s second INVITE has no digest credentials: ${auth}`);
    assertEq(JSON.stringify(inviteStatuses(b)), '[401,200]', `${b.name}'s final responses`);
  }
  const ok = await waitLog(/room locked: .* authenticated as "bob"/);
  console.log(`  server: ${ok[0].replace(/^.*\[sip\] /, '')}`);
  await waitLog(/room locked: .* authenticated as "alice"/);
  const challenged = logLines(/room locked: 401 to .*: no credentials/);
  assert(challenged.length >= 1, 'the server logged no challenge');
  console.log(`  server: ${challenged[0].replace(/^.*\[sip\] /, '')}`);

  // hold and resume re-INVITE inside the dialog: no new challenge
  await alice.hold();
  const held = await poll(async () => (await sipParts(LOCKED)).find((p) => p.name === 'alice' && p.sip.on_hold), 5000);
  assert(held, 'alice is not on hold');
  await alice.resume();
  const resumed = await poll(async () => (await sipParts(LOCKED)).find((p) => p.name === 'alice' && !p.sip.on_hold), 5000);
  assert(resumed, 'alice did not resume');
  console.log(`  alice: hold and resume; final responses ${JSON.stringify(inviteStatuses(alice))}`);
  assertEq(JSON.stringify(inviteStatuses(alice)), '[401,200,200,200]', 'final responses with the re-INVITEs');

  await Promise.all([alice.hangup(), bob.hangup()]);
  const gone = await poll(async () => (await sipParts(LOCKED)).length === 0, 3000, 50);
  assert(gone, 'the callers stayed after their BYEs');
  await Promise.all([stopBaresip(alice), stopBaresip(bob)]);
});

step('a wrong password gets 403', async () => {
  const b = await baresip({ name: 'mallory', accountParams: 'auth_user=alice;auth_pass=guess' });
  await b.dial(uri(LOCKED));
  const ev = await b.waitEvent('CALL_CLOSED', 10000);
  console.log(`  ${b.name}: CALL_CLOSED ${ev.param}; final responses ${JSON.stringify(inviteStatuses(b))}`);
  assertEq(ev.status, 403, 'status');
  assertEq(JSON.stringify(inviteStatuses(b)), '[401,403]', 'final responses');
  const l = await waitLog(/room locked: 403 to "mallory" .* as "alice": wrong password/);
  console.log(`  server: ${l[0].replace(/^.*\[sip\] /, '')}`);
  assertEq((await sipParts(LOCKED)).length, 0, 'SIP participants');
  await stopBaresip(b);
});

// baresip 1.0.0 without auth_pass does not give up at the 401: it answers
// as its AOR's user with an empty password (account_auth), so it ends
// with 403 like a wrong password.  A caller that does give up after the
// 401 is the raw client of the last step.
step('no password: baresip still answers the 401 (user eve, empty password) and gets 403', async () => {
  const b = await baresip({ name: 'eve' });
  await b.dial(uri(LOCKED));
  const ev = await b.waitEvent('CALL_CLOSED', 10000);
  const auth = b.sipMessages().filter((m) => m.tx && m.method === 'INVITE').map((m) => m.headers.authorization || '');
  console.log(`  ${b.name}: CALL_CLOSED ${ev.param}; final responses ${JSON.stringify(inviteStatuses(b))};`
    + ` INVITEs with credentials: ${auth.map((a) => (a ? (a.match(/username="[^"]*"/) || ['?'])[0] : 'none')).join(', ')}`);
  assertEq(ev.status, 403, 'status');
  assertEq(JSON.stringify(inviteStatuses(b)), '[401,403]', 'final responses');
  const l = await waitLog(/room locked: 403 to "eve" .* as "eve": wrong password or unknown user/);
  console.log(`  server: ${l[0].replace(/^.*\[sip\] /, '')}`);
  assertEq((await sipParts(LOCKED)).length, 0, 'SIP participants');
  await stopBaresip(b);
});

step('a user added to the file while the server runs can call at once', async () => {
  fs.appendFileSync(passwd, 'dave:added-later\n');
  const b = await baresip({ name: 'dave', accountParams: 'auth_pass=added-later' });
  await b.dial(uri(LOCKED));
  await b.waitEvent('CALL_ESTABLISHED', 10000);
  console.log(`  ${b.name}: final responses ${JSON.stringify(inviteStatuses(b))}`);
  assertEq(JSON.stringify(inviteStatuses(b)), '[401,200]', 'final responses');
  await waitLog(/room locked: .* authenticated as "dave"/);
  await b.hangup();
  assert(await poll(async () => (await sipParts(LOCKED)).length === 0, 3000, 50), 'the caller stayed');
  await stopBaresip(b);
});

// sofia's password file parser never returns from a NUL byte: the server
// checks the file again when it changes, and refuses the room's calls
// (500) instead of handing sofia such a file
step('a password file edited into one sofia cannot read: 500 and a log line, until it is fixed', async () => {
  const good = fs.readFileSync(passwd);
  fs.writeFileSync(passwd, Buffer.concat([good, Buffer.from('zed:z\0\n')]));
  const b = await baresip({ name: 'alice', accountParams: 'auth_pass=open-sesame' });
  await b.dial(uri(LOCKED));
  const ev = await b.waitEvent('CALL_CLOSED', 10000);
  console.log(`  ${b.name}: CALL_CLOSED ${ev.param}; final responses ${JSON.stringify(inviteStatuses(b))}`);
  assertEq(ev.status, 500, 'status');
  const l = await waitLog(/room locked: password file .* has a NUL byte/);
  console.log(`  server: ${l[0].replace(/^.*\[sip\] /, '')}`);
  fs.writeFileSync(passwd, good);
  await b.dial(uri(LOCKED));
  await b.waitEvent('CALL_ESTABLISHED', 10000);
  console.log(`  fixed: ${b.name}: final responses ${JSON.stringify(inviteStatuses(b))}`);
  assertEq(JSON.stringify(inviteStatuses(b)), '[500,401,200]', 'final responses');
  await waitLog(/room locked: password file .* is good again/);
  await b.hangup();
  assert(await poll(async () => (await sipParts(LOCKED)).length === 0, 3000, 50), 'the caller stayed');
  await stopBaresip(b);
});

step('a room without an entry takes calls without a password', async () => {
  const b = await baresip({ name: 'carol' });
  await b.dial(uri(OPEN));
  await b.waitEvent('CALL_ESTABLISHED', 10000);
  const p = await poll(async () => (await sipParts(OPEN))[0], 5000);
  assert(p, `no SIP participant in ${OPEN}`);
  console.log(`  ${b.name}: final responses ${JSON.stringify(inviteStatuses(b))}; in ${OPEN} as ${p.name}`);
  assertEq(JSON.stringify(inviteStatuses(b)), '[200]', 'final responses');
  await b.hangup();
  assert(await poll(async () => (await sipParts(OPEN)).length === 0, 3000, 50), 'the caller stayed');
  await stopBaresip(b);
});

// ---- a raw SIP client over UDP: credentials baresip would not send ----

function invite({ port, cseq, auth }) {
  return [
    `INVITE ${uri(LOCKED)} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKraw${cseq}`,
    'Max-Forwards: 70',
    `From: "raw" <sip:raw@127.0.0.1:${port}>;tag=rawauth`,
    `To: <sip:${LOCKED}@127.0.0.1>`,
    'Call-ID: rawauth1@127.0.0.1',
    `CSeq: ${cseq} INVITE`,
    `Contact: <sip:raw@127.0.0.1:${port}>`,
    ...(auth ? [`Authorization: ${auth}`] : []),
    'Content-Length: 0', '', '',
  ].join('\r\n');
}

step('raw client: no credentials get 401; right ones whose digest uri names another room get 400', async () => {
  const c = sipClient();
  const port = await c.port();
  await c.send(invite({ port, cseq: 1 }));
  const r401 = await c.wait(/^SIP\/2\.0 [2-6]\d\d/);
  assert(r401 && /^SIP\/2\.0 401/.test(r401), `no 401: ${r401 && r401.split('\r\n')[0]}`);
  console.log(`  ${r401.split('\r\n')[0]}; ${(r401.match(/^WWW-Authenticate:.*$/mi) || ['no challenge'])[0]}`);
  await waitLog(/room locked: 401 to "raw" .*: no credentials/);
  await c.send(`ACK ${uri(LOCKED)} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKraw1\r\n`
    + `Max-Forwards: 70\r\nFrom: "raw" <sip:raw@127.0.0.1:${port}>;tag=rawauth\r\n`
    + `To: <sip:${LOCKED}@127.0.0.1>;tag=${(r401.match(/^To:.*;tag=([^;\s]+)/mi) || [])[1]}\r\n`
    + 'Call-ID: rawauth1@127.0.0.1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n');
  const nonce = r401.match(/nonce="([^"]+)"/)[1];
  // RFC 2617 3.2.2, as a client computes it: valid for alice, but for
  // the request-URI of the open room
  const other = uri(OPEN);
  const cnonce = 'e2e0001';
  const ha1 = md5(`alice:${REALM}:open-sesame`);
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`INVITE:${other}`)}`);
  await c.send(invite({
    port, cseq: 2,
    auth: `Digest username="alice", realm="${REALM}", nonce="${nonce}", uri="${other}", `
      + `response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`,
  }));
  const resp = await c.wait(/^SIP\/2\.0 [2-6]\d\d[^\r]*\r\n(.|\r\n)*CSeq: 2 INVITE/);
  c.close();
  assert(resp, 'no final response to the second INVITE');
  console.log(`  ${resp.split('\r\n')[0]}`);
  assertEq(resp.split(' ')[1], '400', 'status');
  const l = await waitLog(/room locked: 400 to "raw" .*digest uri is not the request-URI/);
  console.log(`  server: ${l[0].replace(/^.*\[sip\] /, '')}`);
});

step('with auth.required (tokens on HTTP), a room without a sip.auth entry refuses calls: 403', async () => {
  const strict = await startServer({
    mode: 'mix', sip: true,
    configExtra: ['auth:', '  required: true', `  secret: ${'k'.repeat(40)}`].join('\n'),
    sipExtra: ['  open_rooms: true', `  realm: ${REALM}`, '  auth:', `    ${LOCKED}: ${passwd}`].join('\n'),
  });
  try {
    const c = sipClient(() => strict.sipPort);
    const port = await c.port();
    const inv = (room, cseq) => [
      `INVITE sip:${room}@127.0.0.1:${strict.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKstrict${cseq}`,
      'Max-Forwards: 70',
      `From: "raw" <sip:raw@127.0.0.1:${port}>;tag=strict${cseq}`,
      `To: <sip:${room}@127.0.0.1>`,
      `Call-ID: strict${cseq}@127.0.0.1`,
      `CSeq: ${cseq} INVITE`,
      `Contact: <sip:raw@127.0.0.1:${port}>`,
      'Content-Length: 0', '', '',
    ].join('\r\n');
    await c.send(inv(OPEN, 1));
    const r1 = await c.wait(/^SIP\/2\.0 [2-6]\d\d[^\r]*\r\n(.|\r\n)*CSeq: 1 INVITE/);
    await c.send(inv(LOCKED, 2));
    const r2 = await c.wait(/^SIP\/2\.0 [2-6]\d\d[^\r]*\r\n(.|\r\n)*CSeq: 2 INVITE/);
    c.close();
    console.log(`  ${OPEN}: ${r1 && r1.split('\r\n')[0]}; ${((r1 || '').match(/^Warning:.*$/mi) || [''])[0]}`);
    console.log(`  ${LOCKED}: ${r2 && r2.split('\r\n')[0]}`);
    assert(r1 && / 403 /.test(r1.split('\r\n')[0]), 'a room without an entry took the call');
    assert(/auth\.required/.test(r1), 'the 403 does not say why');
    assert(r2 && / 401 /.test(r2.split('\r\n')[0]), 'the room with passwords did not challenge');
  } finally {
    const r = await strict.stop();
    assertEq(r.code, 0, 'the second server\'s exit code');
  }
});

addCleanShutdownStep(suite, () => server);
suite.finally(async () => {
  await bs.stopAll().catch(() => {});
  // baresip's logs and configs stay when something failed
  if (!bs.failed) fs.rmSync(dir, { recursive: true, force: true });
});
await suite.run();
