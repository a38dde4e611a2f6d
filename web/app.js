// Tessera demo page: join a room over WHIP, show what the server sends back.
//
// Plain browser JavaScript, no build step. Tests drive the page through
// window.tessera = { join(room, opts), leave(), stats() }.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $('join-form'),
    room: $('room'),
    join: $('join'),
    leave: $('leave'),
    status: $('status'),
    local: $('local'),
    remote: $('remote'),
    remoteAudio: $('remote-audio'),
    stats: $('stats'),
    error: $('error'),
  };

  // The one session this page holds (null when not joined).
  let session = null;
  let statsTimer = null;

  // ---- SDP manglers (for tests: alter the offer sent, not the one set locally) ----

  // Flip every hex digit of the first bytes of each sha-256 fingerprint: the
  // result is still a well-formed fingerprint, but not the one of our certificate.
  function mangleFingerprint(sdp) {
    return sdp.replace(/^(a=fingerprint:sha-256 )([0-9A-Fa-f:]+)/gm, (_, head, fp) => {
      const bytes = fp.split(':');
      for (let i = 0; i < Math.min(4, bytes.length); i++) {
        bytes[i] = bytes[i].replace(/[0-9A-Fa-f]/g,
          (d) => (15 - parseInt(d, 16)).toString(16).toUpperCase());
      }
      return head + bytes.join(':');
    });
  }

  const manglers = { fingerprint: mangleFingerprint };

  function resolveMangler(m) {
    if (!m) return (sdp) => sdp;
    if (typeof m === 'function') return m;
    if (typeof m === 'string' && manglers[m]) return manglers[m];
    throw new Error(`unknown mangleOffer: ${m}`);
  }

  // ---- join / leave ----

  function waitIceGathering(pc, timeoutMs) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState !== 'complete') return;
        pc.removeEventListener('icegatheringstatechange', done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        pc.removeEventListener('icegatheringstatechange', done);
        resolve();
      }, timeoutMs);
      pc.addEventListener('icegatheringstatechange', done);
    });
  }

  // opts:
  //   direction        transceiver direction, default 'sendrecv'
  //   mangleOffer      'fingerprint' or function(sdp) -> sdp, applied to the SDP POSTed only
  //   waitIce          wait (at most 3 s) for ICE gathering before POSTing (not needed: Tessera is ICE-lite)
  //   leaveOnPageHide  send DELETE when the page goes away (default true)
  // Resolves to { status, location } once the answer is applied.
  async function join(room, opts = {}) {
    if (session) throw new Error('already joined; leave first');
    room = String(room || '').trim();
    if (!room) throw new Error('room name is empty');
    const direction = opts.direction || 'sendrecv';
    const mangle = resolveMangler(opts.mangleOffer);

    showError(null);
    setStatus('starting');
    const s = { room, pc: null, media: null, location: null,
                leaveOnPageHide: opts.leaveOnPageHide !== false };
    session = s;
    try {
      s.media = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: 640, height: 360 },
      });
      ui.local.srcObject = s.media;

      const pc = new RTCPeerConnection();
      s.pc = pc;
      pc.addEventListener('connectionstatechange', () => setStatus(pc.connectionState));
      pc.addEventListener('track', onTrack);
      for (const kind of ['audio', 'video']) {
        const track = s.media.getTracks().find((t) => t.kind === kind);
        const sendable = direction === 'sendrecv' || direction === 'sendonly';
        pc.addTransceiver(sendable && track ? track : kind, {
          direction,
          streams: sendable ? [s.media] : [],
        });
      }

      await pc.setLocalDescription(await pc.createOffer());
      if (opts.waitIce) await waitIceGathering(pc, 3000);

      const url = `/rooms/${encodeURIComponent(room)}/whip`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: mangle(pc.localDescription.sdp),
      });
      const body = await res.text();
      if (res.status !== 201) {
        throw new Error(`WHIP POST ${res.status}: ${body.trim()}`);
      }
      const loc = res.headers.get('Location');
      if (!loc) throw new Error('WHIP answer has no Location header');
      s.location = new URL(loc, new URL(url, location.href)).href;

      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      setJoined(true);
      startStatsPanel();
      return { status: res.status, location: s.location };
    } catch (err) {
      showError(err.message || String(err));
      await teardown(false);
      setStatus('error');
      throw err;
    }
  }

  function onTrack(ev) {
    // Video and audio go to separate elements, so sound plays exactly once.
    const el = ev.track.kind === 'video' ? ui.remote : ui.remoteAudio;
    const stream = el.srcObject instanceof MediaStream ? el.srcObject : new MediaStream();
    stream.addTrack(ev.track);
    el.srcObject = stream;
    el.muted = false;
    el.play().catch(() => { /* autoplay may need a gesture; Join was one */ });
  }

  // Close local resources; with sendDelete, tell the server first.
  async function teardown(sendDelete) {
    const s = session;
    session = null;
    if (!s) return null;
    let status = null;
    if (sendDelete && s.location) {
      try {
        const res = await fetch(s.location, { method: 'DELETE' });
        status = res.status;
      } catch (err) {
        showError(`DELETE failed: ${err.message}`);
      }
    }
    if (s.pc) s.pc.close();
    if (s.media) s.media.getTracks().forEach((t) => t.stop());
    for (const el of [ui.local, ui.remote, ui.remoteAudio]) el.srcObject = null;
    stopStatsPanel();
    setJoined(false);
    return status;
  }

  // Resolves to the HTTP status of the DELETE (null when there was nothing to delete).
  async function leave() {
    const status = await teardown(true);
    setStatus('idle');
    return status;
  }

  // ---- stats ----

  async function stats() {
    const out = {
      room: session ? session.room : null,
      location: session ? session.location : null,
      connectionState: 'closed',
      iceConnectionState: 'closed',
      inboundVideo: { packetsReceived: 0, packetsLost: 0, nackCount: 0, framesDecoded: 0,
        frameWidth: 0, frameHeight: 0 },
      inboundAudio: { packetsReceived: 0, audioLevel: 0 },
      outboundVideo: { packetsSent: 0, nackCount: 0, retransmittedPacketsSent: 0 },
      outboundAudio: { packetsSent: 0 },
    };
    const pc = session && session.pc;
    if (!pc) return out;
    out.connectionState = pc.connectionState;
    out.iceConnectionState = pc.iceConnectionState;
    const report = await pc.getStats();
    report.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        const v = out.inboundVideo;
        v.packetsReceived += r.packetsReceived || 0;
        v.packetsLost += r.packetsLost || 0;
        v.nackCount += r.nackCount || 0;
        v.framesDecoded += r.framesDecoded || 0;
        v.frameWidth = Math.max(v.frameWidth, r.frameWidth || 0);
        v.frameHeight = Math.max(v.frameHeight, r.frameHeight || 0);
      } else if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        const a = out.inboundAudio;
        a.packetsReceived += r.packetsReceived || 0;
        a.audioLevel = Math.max(a.audioLevel, r.audioLevel || 0);
      } else if (r.type === 'outbound-rtp' && r.kind === 'video') {
        const o = out.outboundVideo;
        o.packetsSent += r.packetsSent || 0;
        o.nackCount += r.nackCount || 0;
        o.retransmittedPacketsSent += r.retransmittedPacketsSent || 0;
      } else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
        out.outboundAudio.packetsSent += r.packetsSent || 0;
      }
    });
    return out;
  }

  function renderStats(s) {
    const groups = [
      ['Connection', [
        ['state', s.connectionState],
        ['ICE', s.iceConnectionState],
      ]],
      ['Received video', [
        ['frames decoded', s.inboundVideo.framesDecoded],
        ['size', s.inboundVideo.frameWidth
          ? `${s.inboundVideo.frameWidth}×${s.inboundVideo.frameHeight}` : '–'],
        ['packets', s.inboundVideo.packetsReceived],
      ]],
      ['Received audio', [
        ['packets', s.inboundAudio.packetsReceived],
        ['level', s.inboundAudio.audioLevel.toFixed(3)],
      ]],
      ['Sent', [
        ['video packets', s.outboundVideo.packetsSent],
        ['audio packets', s.outboundAudio.packetsSent],
      ]],
    ];
    ui.stats.replaceChildren(...groups.map(([title, rows]) => {
      const dl = document.createElement('dl');
      const h = document.createElement('h3');
      h.textContent = title;
      dl.append(h);
      for (const [k, v] of rows) {
        const div = document.createElement('div');
        const dt = document.createElement('dt');
        const dd = document.createElement('dd');
        dt.textContent = k;
        dd.textContent = String(v);
        div.append(dt, dd);
        dl.append(div);
      }
      return dl;
    }));
  }

  function startStatsPanel() {
    stopStatsPanel();
    const tick = () => stats().then(renderStats).catch(() => {});
    tick();
    statsTimer = setInterval(tick, 1000);
  }

  function stopStatsPanel() {
    if (statsTimer) clearInterval(statsTimer);
    statsTimer = null;
  }

  // ---- page wiring ----

  function setStatus(text) {
    ui.status.textContent = text;
    ui.status.dataset.state = text;
  }

  function setJoined(joined) {
    ui.join.disabled = joined;
    ui.room.disabled = joined;
    ui.leave.disabled = !joined;
  }

  function showError(msg) {
    ui.error.hidden = !msg;
    ui.error.textContent = msg || '';
  }

  ui.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ui.join.disabled = true;
    join(ui.room.value).catch(() => setJoined(false));
  });
  ui.leave.addEventListener('click', () => { leave(); });

  // Closing the tab leaves the room at once rather than waiting for consent to expire.
  window.addEventListener('pagehide', () => {
    if (session && session.location && session.leaveOnPageHide) {
      fetch(session.location, { method: 'DELETE', keepalive: true }).catch(() => {});
    }
  });

  const roomParam = new URLSearchParams(location.search).get('room');
  if (roomParam) ui.room.value = roomParam;
  renderStats({
    connectionState: '–', iceConnectionState: '–',
    inboundVideo: { packetsReceived: 0, framesDecoded: 0, frameWidth: 0, frameHeight: 0 },
    inboundAudio: { packetsReceived: 0, audioLevel: 0 },
    outboundVideo: { packetsSent: 0 },
    outboundAudio: { packetsSent: 0 },
  });

  window.tessera = { join, leave, stats, manglers };
})();
