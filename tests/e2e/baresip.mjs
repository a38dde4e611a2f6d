// baresip 1.0.0 (Debian baresip-core + baresip-ffmpeg) as a real SIP
// endpoint for the e2e tests.
//
// Each startBaresip() runs one headless baresip process with a config dir
// of its own in a temp dir: a sine-wave (ausine) or WAV (aufile)
// microphone, the fakevideo test-pattern camera (three vertical bars, red,
// green and blue) and fakevideo's null display, the snapshot video filter
// to save a received frame as PNG, no audio or video devices.  The test
// drives it over ctrl_tcp (netstring-framed JSON: commands in, responses
// and UA events out) and reads its log, which has every SIP message
// (-s) and baresip's debug lines (-v).
//
//   const callee = await startBaresip({ name: 'bob', autoAnswer: true });
//   const caller = await startBaresip({ name: 'alice', sineHz: 880 });
//   await caller.dial(callee.uri);
//   await caller.waitEvent('CALL_ESTABLISHED');
//   const s = await caller.stats();       // s.audio.txPackets, ...
//   await caller.snapshot('/tmp/x/alice-recv.png');
//   await caller.hangup();
//   await callee.waitEvent('CALL_CLOSED'); // .param 'Connection reset by peer'
//   await caller.stop();
//
// Facts about baresip 1.0.0 this relies on (read in its source, tag
// v1.0.0, and seen here):
// - A video stream is only sendrecv when some video display module is
//   loaded (video.c makes it sendonly otherwise); fakevideo registers a
//   display that drops frames, after the video filters (snapshot) ran.
// - ausine only runs at 48 kHz stereo: ausrc_srate/ausrc_channels make
//   baresip resample from there to the codec's rate.
// - The media address is the "network interface"; without
//   net_interface 127.0.0.1 the SDP offers the machine's eth0 address.
// - The account's audio_codecs/video_codecs pick codecs by name, and the
//   first registered variant: video_codecs=H264 offers avcodec's
//   packetization-mode=0 only (profile-level-id=42e01f); leaving
//   videoCodecs null offers every loaded video codec, H.264 mode 0 and
//   mode 1 among them.
// - snapshot_recv keeps one pending path (at most 99 bytes) in a global and
//   writes it at the next decoded frame; a second request while one is
//   pending is ignored.
// - No command reports received RTP bytes: audio_debug/video_debug give
//   sent packets and octets (RTCP sender counts) and packets received per
//   remote source; rtp_stats prints packets and average bitrates both
//   ways when a stream ends (closedStats()).

import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assert, freeTcpPort, sleep, poll, withTimeout } from './lib.mjs';

export const BARESIP = process.env.BARESIP || '/usr/bin/baresip';
export const BARESIP_MODULE_PATH = process.env.BARESIP_MODULE_PATH || '/usr/lib/baresip/modules';

// ---- config templates ----

// Which module registers each codec (by the name used in the account's
// audio_codecs/video_codecs, case-insensitive).
const CODEC_MODULES = {
  pcmu: 'g711', pcma: 'g711', g722: 'g722', opus: 'opus',
  h264: 'avcodec', h263: 'avcodec', h265: 'avcodec', 'mp4v-es': 'avcodec',
  vp8: 'vp8', vp9: 'vp9',
};

const codecModule = (codec) => {
  const m = CODEC_MODULES[codec.split('/')[0].toLowerCase()];
  if (!m) throw new Error(`baresip: no module known for codec ${codec}`);
  return m;
};

// The modules a config loads, in the order baresip's config lists them:
// codecs, media encryption, sources, display, filter; then the account
// loader (module_tmp: loaded, run, unloaded) and the applications.
export function baresipModules({ audioCodecs, videoCodecs, mediaenc, audioFile }) {
  const audio = audioCodecs || ['PCMU', 'G722', 'opus'];
  const video = videoCodecs || ['H264', 'VP8'];
  const codecs = [...new Set([...audio, ...video].map(codecModule))];
  const menc = !mediaenc ? [] : mediaenc === 'dtls_srtp' ? ['dtls_srtp'] : ['srtp'];
  return {
    module: [
      ...codecs,
      ...menc,
      audioFile ? 'aufile' : 'ausine',
      ...(video.length ? ['fakevideo', 'snapshot'] : []),
    ],
    module_tmp: ['account'],
    // menu: dial, hangup, accept, hold, resume, sndcode, audio_debug, ...
    module_app: ['menu', 'ctrl_tcp'],
  };
}

// The text of CONFDIR/config.  Options as for startBaresip, plus the ports.
export function baresipConfig(o) {
  const v = { width: 320, height: 240, fps: 15, bitrate: 256000, ...(o.video || {}) };
  const mods = baresipModules(o);
  const hasVideo = mods.module.includes('fakevideo');
  const lines = [
    '# written by tests/e2e/baresip.mjs',
    'poll_method\t\tepoll',
    `sip_listen\t\t127.0.0.1:${o.sipPort}`,
    // media from and to 127.0.0.1 only (the default is the eth0 address)
    'net_interface\t\t127.0.0.1',
    'call_local_timeout\t30',
    'call_max_calls\t\t4',
    '',
    '# audio: a sine wave or a WAV file for a microphone, no player',
    o.audioFile ? `audio_source\t\taufile,${o.audioFile}` : `audio_source\t\tausine,${o.sineHz}`,
    // ausine runs at 48 kHz stereo only, aufile at the file's rate: baresip
    // resamples from here to the codec's rate and channels
    'ausrc_srate\t\t48000',
    'ausrc_channels\t\t2',
    'audio_buffer\t\t20-160',
    ...(hasVideo ? [
      '',
      '# video: the test-pattern camera; fakevideo\'s null display makes the',
      '# stream sendrecv and lets the snapshot filter see decoded frames',
      'video_source\t\tfakevideo,nil',
      'video_display\t\tfakevideo,nil',
      `video_size\t\t${v.width}x${v.height}`,
      `video_bitrate\t\t${v.bitrate}`,
      `video_fps\t\t${v.fps.toFixed(2)}`,
    ] : []),
    '',
    '# RTP',
    `rtcp_mux\t\t${o.rtcpMux ? 'yes' : 'no'}`,
    'jitter_buffer_delay\t1-10',
    // packets and bitrates both ways in the log when a stream ends
    'rtp_stats\t\tyes',
    '',
    `module_path\t\t${BARESIP_MODULE_PATH}`,
    ...Object.entries(mods).flatMap(([kind, names]) => names.map((n) => `${kind}\t\t${n}.so`)),
    '',
    `ctrl_tcp_listen\t\t127.0.0.1:${o.ctrlPort}`,
    'statmode_default\toff',
    'ringback_disabled\tyes',
    'menu_bell\t\tno',
    ...(o.opusBitrate ? [`opus_bitrate\t\t${o.opusBitrate}`] : []),
    ...(o.extraConfig ? [o.extraConfig] : []),
  ];
  return lines.join('\n') + '\n';
}

// The one line of CONFDIR/accounts: the AOR with no registrar (regint=0)
// and the codecs, encryption and answer mode as account parameters.
export function baresipAccount(o) {
  const params = ['regint=0', `answermode=${o.autoAnswer ? 'auto' : 'manual'}`];
  if (o.audioCodecs) params.push(`audio_codecs=${o.audioCodecs.join(',')}`);
  if (o.videoCodecs && o.videoCodecs.length) params.push(`video_codecs=${o.videoCodecs.join(',')}`);
  if (o.mediaenc) params.push(`mediaenc=${o.mediaenc}`);
  if (o.ptime) params.push(`ptime=${o.ptime}`);
  if (o.accountParams) params.push(o.accountParams);
  return `<sip:${o.name}@127.0.0.1:${o.sipPort}>;${params.join(';')}\n`;
}

// ---- ports ----

// baresip listens for SIP on UDP and TCP at the same port.
async function freeSipPort() {
  for (let i = 0; i < 50; i++) {
    const port = await freeTcpPort();
    const ok = await new Promise((resolve) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no port free for both UDP and TCP');
}

// ---- ctrl_tcp: netstrings "LEN:JSON," both ways ----

function netstring(obj) {
  const body = Buffer.from(JSON.stringify(obj));
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

// Splits complete netstrings off buf; returns [messages, rest].
function unNetstring(buf) {
  const out = [];
  for (;;) {
    const colon = buf.indexOf(0x3a);
    if (colon < 0) break;
    const len = Number(buf.subarray(0, colon).toString());
    if (!Number.isInteger(len)) throw new Error(`ctrl_tcp: bad netstring header ${buf.subarray(0, colon)}`);
    if (buf.length < colon + 1 + len + 1) break;
    out.push(buf.subarray(colon + 1, colon + 1 + len).toString());
    buf = buf.subarray(colon + 2 + len);
  }
  return [out, buf];
}

const exitKills = new Set();
process.on('exit', () => { for (const k of exitKills) k(); });

// ---- the endpoint ----

// Starts baresip and connects to its ctrl_tcp port.  Options:
//   name         user part of its AOR and URI ('bs')
//   audioCodecs  account audio_codecs, e.g. ['PCMU/8000/1'] (the default),
//                ['opus/48000/2']; null offers every loaded audio codec
//   videoCodecs  account video_codecs, e.g. ['H264'] (the default, mode 0),
//                ['VP8']; [] for no video at all; null offers every one
//   mediaenc     null (plain RTP/AVP), 'srtp', 'srtp-mand', 'srtp-mandf'
//                (SDES, RTP/SAVP with a=crypto) or 'dtls_srtp'
//   sineHz       the microphone's sine frequency (440)
//   audioFile    a 48 kHz stereo s16 WAV to send instead (makeWav); baresip
//                reads it once and hangs up at its end ("end of file")
//   video        { width, height, fps, bitrate } of what it sends
//                (320x240, 15 fps, 256000 bit/s)
//   autoAnswer   answer incoming calls at once (false: CALL_INCOMING,
//                then accept())
//   rtcpMux      offer/accept a=rtcp-mux (false)
//   ptime, opusBitrate, accountParams ('k=v;k2=v2'), extraConfig (lines)
//   dir          where its temp dir goes (os.tmpdir())
//   lifetimeS    baresip quits by itself after this long (-t), so a
//                crashed test leaves nothing behind (600)
// Returns a Baresip (see the class) once ctrl_tcp answers.
export async function startBaresip(opts = {}) {
  const o = {
    name: 'bs', audioCodecs: ['PCMU/8000/1'], videoCodecs: ['H264'], mediaenc: null,
    sineHz: 440, audioFile: null, autoAnswer: false, rtcpMux: false, lifetimeS: 600,
    ...opts,
  };
  if (!fs.existsSync(BARESIP)) throw new Error(`baresip not found: ${BARESIP}`);
  o.sipPort = await freeSipPort();
  o.ctrlPort = await freeTcpPort();
  const dir = fs.mkdtempSync(path.join(o.dir || os.tmpdir(), `baresip-${o.name}-`));
  const confDir = path.join(dir, 'conf');
  fs.mkdirSync(confDir);
  fs.writeFileSync(path.join(confDir, 'config'), baresipConfig(o));
  fs.writeFileSync(path.join(confDir, 'accounts'), baresipAccount(o));
  fs.writeFileSync(path.join(confDir, 'contacts'), '');
  const logFile = path.join(dir, 'baresip.log');
  const logFd = fs.openSync(logFile, 'w');
  // -s: every SIP message in the log; -v: debug lines
  const proc = spawn(BARESIP, ['-f', confDir, '-s', '-v', '-t', String(o.lifetimeS)], {
    cwd: dir, stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const b = new Baresip(o, dir, logFile, proc);
  try {
    await b._connect(10000);
  } catch (err) {
    b.kill();
    b.dumpLog(40);
    throw err;
  }
  return b;
}

export class Baresip {
  constructor(o, dir, logFile, proc) {
    this.opts = o;
    this.name = o.name;
    this.sipPort = o.sipPort;
    this.ctrlPort = o.ctrlPort;
    /** What another endpoint dials to reach this one. */
    this.uri = `sip:${o.name}@127.0.0.1:${o.sipPort}`;
    this.dir = dir;
    this.logFile = logFile;
    this.proc = proc;
    /** Every ctrl_tcp event so far, oldest first; waitEvent marks .taken. */
    this.events = [];
    this._waiters = new Set();
    this._pending = new Map();
    this._token = 0;
    this._exit = null;
    this._exitPromise = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this._exit = { code, signal };
        exitKills.delete(this._killer);
        for (const w of this._waiters) w();
        for (const p of this._pending.values()) p.reject(new Error(`baresip ${this.name} exited`));
        resolve(this._exit);
      });
    });
    this._killer = () => { if (!this._exit) proc.kill('SIGKILL'); };
    exitKills.add(this._killer);
  }

  async _connect(timeoutMs) {
    const sock = await poll(() => new Promise((resolve, reject) => {
      if (this._exit) { resolve('exited'); return; }
      const s = net.connect(this.ctrlPort, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    }), timeoutMs, 100);
    if (!sock || sock === 'exited') {
      throw new Error(`baresip ${this.name}: ${sock ? `exited (${JSON.stringify(this._exit)})`
        : `ctrl_tcp 127.0.0.1:${this.ctrlPort} did not answer in ${timeoutMs} ms`}`);
    }
    this.sock = sock;
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      let msgs;
      [msgs, buf] = unNetstring(Buffer.concat([buf, d]));
      for (const m of msgs) this._onMessage(JSON.parse(m));
    });
    sock.on('error', () => {});
  }

  _onMessage(m) {
    if (m.response) {
      const p = this._pending.get(m.token);
      if (p) {
        this._pending.delete(m.token);
        p.resolve({ ok: m.ok, data: m.data });
      }
      return;
    }
    if (m.event) {
      m.at = Date.now();
      // "488 Not Acceptable Here": the final response that ended the call
      const st = m.type === 'CALL_CLOSED' && /^([1-6]\d\d) ?(.*)$/.exec(m.param || '');
      if (st) {
        m.status = Number(st[1]);
        m.reason = st[2];
      }
      this.events.push(m);
      for (const w of this._waiters) w();
    }
  }

  /** { code, signal } once the process ended, else null. */
  exited() { return this._exit; }

  /**
   * Runs a baresip command (as typed after '/' in its console) over ctrl_tcp.
   * Resolves to { ok, data } (data: the command's printed output).
   */
  command(command, params = '', timeoutMs = 5000) {
    if (this._exit) return Promise.reject(new Error(`baresip ${this.name} has exited`));
    const token = `t${++this._token}`;
    const msg = { command, token };
    if (params !== '' && params != null) msg.params = String(params);
    const p = new Promise((resolve, reject) => this._pending.set(token, { resolve, reject }));
    this.sock.write(netstring(msg));
    return withTimeout(p, timeoutMs, `baresip ${this.name}: ${command} ${params}`)
      .finally(() => this._pending.delete(token));
  }

  async _mustCommand(command, params) {
    const r = await this.command(command, params);
    if (!r.ok) throw new Error(`baresip ${this.name}: ${command} ${params || ''} failed: ${r.data.trim()}`);
    return r.data;
  }

  /** Sends an INVITE to uri (sip:room@127.0.0.1:PORT[;transport=tcp]). */
  dial(uri) { return this._mustCommand('dial', uri); }

  /** Answers the incoming call (when not autoAnswer). */
  accept() { return this._mustCommand('accept'); }

  /** Hangs up the current call: BYE, or CANCEL while it rings. */
  hangup() { return this._mustCommand('hangup'); }

  /** re-INVITE with a=sendonly / a=sendrecv. */
  hold() { return this._mustCommand('hold'); }
  resume() { return this._mustCommand('resume'); }

  /** Sends digits as RFC 4733 telephone-events on the audio RTP stream. */
  sendDtmf(digits) { return this._mustCommand('sndcode', digits); }

  /**
   * The first event of `type` (e.g. CALL_ESTABLISHED, CALL_CLOSED,
   * CALL_INCOMING, CALL_DTMF_START, CALL_RTCP) that no earlier waitEvent
   * returned, waiting up to timeoutMs for it; pred(event) may narrow it
   * down.  Events carry type, class, param (CALL_CLOSED: the reason, e.g.
   * "488 Not Acceptable Here", "Connection reset by peer"; when it is a
   * SIP final response also status 488 and reason 'Not Acceptable Here'),
   * direction, peeruri, id (the Call-ID), and for CALL_RTCP rtcp_stats.
   */
  async waitEvent(type, timeoutMs = 10000, pred = () => true) {
    const find = () => this.events.find((e) => !e.taken && e.type === type && pred(e));
    let ev = find();
    if (!ev) {
      let wake = null;
      const w = () => wake && wake();
      this._waiters.add(w);
      const end = Date.now() + timeoutMs;
      try {
        while (!(ev = find()) && !this._exit && Date.now() < end) {
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, end - Date.now());
            wake = () => { clearTimeout(timer); resolve(); };
          });
        }
      } finally {
        this._waiters.delete(w);
      }
    }
    if (!ev) {
      const seen = this.events.filter((e) => e.type !== 'CALL_RTCP')
        .map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(' ');
      throw new Error(`baresip ${this.name}: no ${type} within ${timeoutMs} ms`
        + `${this._exit ? ' (baresip exited)' : ''}; events: ${seen || 'none'}`);
    }
    ev.taken = true;
    return ev;
  }

  /**
   * Counters of the current call, from audio_debug and video_debug:
   * { audio, video }, each null without that stream, else
   * { dir, codecTx, codecRx, menc, secure, local, remote, remoteRtcp,
   *   txPackets, txBytes (RTP payload octets, as RTCP counts them),
   *   rxPackets (summed over remote sources), rxLost, peerSent (the
   *   packet count in the peers' last RTCP sender reports, 0 before one) }
   * and for video also txFrames, rxFrames (decoded), rxWidth, rxHeight,
   * keyframes.  No command of 1.0.0 gives received bytes.
   */
  async stats() {
    const [a, v] = await Promise.all([this.command('audio_debug'), this.command('video_debug')]);
    return { audio: parseStreamDebug(a.data, 'audio'), video: parseStreamDebug(v.data, 'video') };
  }

  /**
   * What rtp_stats printed when the streams of the last call ended (after
   * CALL_CLOSED): { audio, video }, each { txPackets, rxPackets,
   * txKbps, rxKbps, txErrors, rxErrors } (average bitrates) or null.
   */
  closedStats() {
    const out = { audio: null, video: null };
    const re = /^(audio|video)\s+Transmit:\s+Receive:\npackets:\s+(\d+)\s+(\d+)\navg\. bitrate:\s+([\d.]+)\s+([\d.]+).*\nerrors:\s+(-?\d+)\s+(-?\d+)/gm;
    for (const m of this.log().matchAll(re)) {
      out[m[1]] = {
        txPackets: +m[2], rxPackets: +m[3], txKbps: +m[4], rxKbps: +m[5], txErrors: +m[6], rxErrors: +m[7],
      };
    }
    return out;
  }

  /**
   * Saves the next decoded received frame as a PNG at file (absolute, at
   * most 99 bytes) and resolves to file once it is complete.
   */
  snapshot(file, timeoutMs = 5000) { return this._snap('snapshot_recv', file, timeoutMs); }

  /** The same for the next frame it sends (after fakevideo, before the encoder). */
  snapshotSent(file, timeoutMs = 5000) { return this._snap('snapshot_send', file, timeoutMs); }

  async _snap(cmd, file, timeoutMs) {
    file = path.resolve(file);
    if (Buffer.byteLength(file) > 99) throw new Error(`snapshot path over 99 bytes: ${file}`);
    fs.rmSync(file, { force: true });
    await this._mustCommand(cmd, file);
    const ok = await poll(() => {
      const b = fs.readFileSync(file);
      return b.length > 57 && b.subarray(b.length - 8, b.length - 4).toString() === 'IEND';
    }, timeoutMs, 50);
    if (!ok) throw new Error(`baresip ${this.name}: no ${cmd} PNG at ${file} within ${timeoutMs} ms`);
    return file;
  }

  /** The whole log so far (stdout and stderr: -v debug lines and the SIP trace). */
  log() {
    try { return fs.readFileSync(this.logFile, 'utf8'); } catch { return ''; }
  }

  /**
   * The SIP messages in the log, oldest first: { tx, transport, src, dst,
   * startLine, method, status, headers (lower-case name → first value),
   * body }.  tx: sent by this endpoint.
   */
  sipMessages() { return parseSipTrace(this.log(), this.sipPort); }

  /** The SDP body of the last INVITE this endpoint sent (or received: tx=false). */
  inviteSdp({ tx = true } = {}) {
    const m = this.sipMessages().filter((x) => x.method === 'INVITE' && x.tx === tx && x.body).pop();
    return m ? m.body : null;
  }

  dumpLog(lines = 60) {
    const all = this.log().split('\n');
    console.log(`---- baresip ${this.name} log (${this.logFile}, last ${Math.min(lines, all.length)} lines) ----`);
    console.log(all.slice(-lines).join('\n'));
    console.log(`---- end of baresip ${this.name} log ----`);
  }

  /**
   * Quits (the quit command: calls are hung up), then SIGTERM, then
   * SIGKILL after timeoutMs.  Resolves to { code, signal, ms, killed }.
   */
  async stop(timeoutMs = 3000) {
    const t0 = Date.now();
    if (this._exit) return { ...this._exit, ms: 0, killed: false };
    this.command('quit', '', timeoutMs).catch(() => {});
    let r = await Promise.race([this._exitPromise, sleep(timeoutMs).then(() => null)]);
    if (!r) {
      this.proc.kill('SIGTERM');
      r = await Promise.race([this._exitPromise, sleep(1000).then(() => null)]);
    }
    const killed = !r;
    if (killed) {
      this.proc.kill('SIGKILL');
      r = await this._exitPromise;
    }
    this.sock?.destroy();
    return { ...r, ms: Date.now() - t0, killed };
  }

  kill() {
    this._killer();
    this.sock?.destroy();
  }

  /** Removes its temp dir (config, log, snapshots); keep it when a test failed. */
  remove() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}

// ---- parsing what baresip prints ----

// audio_debug / video_debug output → counters (see Baresip.stats).
export function parseStreamDebug(text, kind) {
  if (!text || !new RegExp(`^ ${kind} dir=`, 'm').test(text)) return null;
  const num = (re) => { const m = text.match(re); return m ? Number(m[1]) : null; };
  const str = (re) => { const m = text.match(re); return m ? m[1] : null; };
  const s = {
    dir: str(new RegExp(`^ ${kind} dir=(\\S+)`, 'm')),
    codecTx: str(/^ tx:\s+encode: (\S+)/m),
    codecRx: str(/^ rx:\s+decode: (\S+)/m),
    menc: str(/^ menc: (\S+)/m),
    secure: str(/^ menc: .*\(secure=(\w+)\)/m) === 'yes',
    local: str(/^ local: ([^,]+),/m),
    remote: str(/ remote: ([^/\s]+)\//m),
    remoteRtcp: str(/ remote: [^/\s]+\/(\S+)/m),
    txPackets: num(/^\s+TX: packets=(\d+)/m) ?? 0,
    txBytes: num(/^\s+TX: packets=\d+, octets=(\d+)/m) ?? 0,
    rxPackets: 0,
    rxLost: 0,
    peerSent: 0,
  };
  for (const m of text.matchAll(/member 0x[0-9a-f]+: lost=(-?\d+)[^\n]*\n\s+IP=\S+ psent=(\d+) rcvd=(\d+)/g)) {
    s.rxLost += Number(m[1]);
    s.peerSent += Number(m[2]);
    s.rxPackets += Number(m[3]);
  }
  if (kind === 'video') {
    s.txFrames = num(/source: \S+ \d+ x \d+, fps=[\d.]+ frames=(\d+)/);
    const d = text.match(/vidisp: \S+ (\d+) x (\d+) frames=(\d+)/);
    s.rxWidth = d ? +d[1] : null;
    s.rxHeight = d ? +d[2] : null;
    s.rxFrames = d ? +d[3] : 0;
    s.keyframes = num(/n_keyframes=(\d+)/);
  }
  return s;
}

// The -s trace: "\x1b[36;1m#\nUDP a -> b\n<message>\x1b[;m\n" per message;
// ownPort: the endpoint's sip_listen port.
export function parseSipTrace(log, ownPort) {
  const out = [];
  const re = /\x1b\[36;1m#\n(\w+) (\S+) -> (\S+)\n([\s\S]*?)\x1b\[;m/g;
  for (const m of log.matchAll(re)) {
    const raw = m[4];
    const sep = raw.indexOf('\r\n\r\n');
    const head = (sep < 0 ? raw : raw.slice(0, sep)).split('\r\n');
    const body = sep < 0 ? '' : raw.slice(sep + 4);
    const startLine = head[0];
    const headers = {};
    for (const h of head.slice(1)) {
      const i = h.indexOf(':');
      if (i > 0) {
        const k = h.slice(0, i).trim().toLowerCase();
        if (!(k in headers)) headers[k] = h.slice(i + 1).trim();
      }
    }
    const st = startLine.match(/^SIP\/2\.0 (\d{3})/);
    // The trace does not say which way a message went, and over TCP the
    // addresses are those of the connection.  The top Via is the
    // request sender's sent-by, which is this endpoint's own SIP port for
    // the requests it sends and the responses it receives.
    const via = (headers.via || '').match(/^SIP\/2\.0\/\w+\s+[^;:\s]+(?::(\d+))?/i);
    const viaOurs = via ? Number(via[1] || 5060) === ownPort : m[2].endsWith(`:${ownPort}`);
    out.push({
      transport: m[1], src: m[2], dst: m[3],
      tx: st ? !viaOurs : viaOurs,
      startLine,
      method: st ? null : startLine.split(' ')[0],
      status: st ? Number(st[1]) : null,
      headers, body,
    });
  }
  return out;
}

// ---- pictures ----

/**
 * Decodes a PNG into { width, height, data } (data: RGB24, row by row)
 * with ffmpeg; throws if the file is not a whole PNG.
 */
export function readPng(file) {
  const b = fs.readFileSync(file);
  if (b.length < 33 || b.readUInt32BE(0) !== 0x89504e47 || b.subarray(12, 16).toString() !== 'IHDR') {
    throw new Error(`${file} is not a PNG`);
  }
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const data = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: width * height * 3 + 1024 });
  if (data.length !== width * height * 3) {
    throw new Error(`${file}: decoded ${data.length} bytes, not ${width}x${height}x3`);
  }
  return { width, height, data };
}

const picture = (img) => (typeof img === 'string' ? readPng(img) : img);

/** [r, g, b] at pixel (x, y) of a readPng() picture or a PNG file. */
export function pixel(img, x, y) {
  img = picture(img);
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

/**
 * Mean [r, g, b] (of a readPng() picture or a PNG file) in a cell given in fractions of the picture
 * ({ x, y, w, h }, as GET /rooms/{room} gives cells), leaving out a margin
 * (fraction of the cell on each side) to stay clear of borders and of
 * chroma bleeding from the neighbours.
 */
export function cellColour(img, cell, margin = 0.15) {
  img = picture(img);
  const x0 = Math.floor((cell.x + cell.w * margin) * img.width);
  const x1 = Math.ceil((cell.x + cell.w * (1 - margin)) * img.width);
  const y0 = Math.floor((cell.y + cell.h * margin) * img.height);
  const y1 = Math.ceil((cell.y + cell.h * (1 - margin)) * img.height);
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = pixel(img, x, y);
      sum[0] += p[0]; sum[1] += p[1]; sum[2] += p[2];
      n++;
    }
  }
  return sum.map((s) => Math.round(s / Math.max(1, n)));
}

/** Whether two colours are within tol on every channel. */
export const colourClose = (a, b, tol = 60) => a.every((v, i) => Math.abs(v - b[i]) < tol);

/**
 * Whether img shows fakevideo's pattern: three vertical bars, red, green
 * and blue, left to right.  Returns { ok, bars: [[r,g,b] x3] }.
 */
export function fakevideoBars(img) {
  img = picture(img);
  const bars = [0, 1, 2].map((i) => cellColour(img, { x: i / 3, y: 0, w: 1 / 3, h: 1 }, 0.2));
  const ok = colourClose(bars[0], [255, 0, 0], 70) && colourClose(bars[1], [0, 255, 0], 70)
    && colourClose(bars[2], [0, 0, 255], 70);
  return { ok, bars };
}

/** Writes a WAV baresip's aufile can send (48 kHz, stereo, s16): a sine of hz for seconds. */
export function makeWav(file, { hz = 440, seconds = 5 } = {}) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000`,
    '-t', String(seconds), '-ac', '2', '-c:a', 'pcm_s16le', file]);
  return file;
}

/**
 * The baresips of one test: started with common options, stopped at its
 * end, their logs printed when a step fails.
 */
export class BaresipSet {
  constructor(dir, defaults = {}) {
    this.dir = dir;
    this.defaults = defaults;
    this.live = new Set();
    this.failed = false;
  }

  async start(opts = {}) {
    const b = await startBaresip({ dir: this.dir, ...this.defaults, ...opts });
    this.live.add(b);
    return b;
  }

  // Stops b; it must quit by itself (clean = exit code 0 too).
  async stop(b, { clean = false } = {}) {
    this.live.delete(b);
    const r = await b.stop();
    assert(!r.killed && (!clean || r.code === 0), `baresip ${b.name} did not quit cleanly: ${JSON.stringify(r)}`);
  }

  async stopAll(opts) {
    for (const b of [...this.live]) await this.stop(b, opts);
  }

  // suite.test(name, fn) that prints the live endpoints' logs on failure
  step(suite, name, fn, logLines = 40) {
    suite.test(name, async () => {
      try {
        await fn();
      } catch (err) {
        this.failed = true;
        for (const b of this.live) b.dumpLog(logLines);
        throw err;
      }
    });
  }
}
