// Tessera demo page: join a room over WHIP, show what the server sends back,
// who is in the room (GET /rooms/{room}) and, in mix rooms, pick the layout
// (GET /layouts, PUT /rooms/{room}/layout).
//
// Plain browser JavaScript, no build step. Tests drive the page through
// window.tessera = { join(room, opts), leave(), stats(), events(), sdp(),
// manglers }.
// Once joined, the page holds the participant's event channel (a WebSocket
// on /rooms/{room}/participants/{id}/events).  In sfu rooms the server
// offers the other participants' tracks there; the page answers with a
// PATCH of its resource and shows each of them in a tile of its own.
// A display name typed in (or given as opts.name) goes with the WHIP
// request as ?name=; the server shows it on our cell while no video comes.
// An access token typed in (or opts.token), for a server with
// auth.required, goes as Authorization: Bearer on every request of the
// session and as ?token= on its event channel (a WebSocket has no
// headers).  The room panel and the layout picker need the admin right.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $('join-form'),
    room: $('room'),
    name: $('name'),
    token: $('token'),
    join: $('join'),
    leave: $('leave'),
    status: $('status'),
    local: $('local'),
    remote: $('remote'),
    remoteAudio: $('remote-audio'),
    stats: $('stats'),
    error: $('error'),
    stage: $('stage'),
    cells: $('cells'),
    remoteLabel: $('remote-label'),
    mixControls: $('mix-controls'),
    layout: $('layout'),
    showCells: $('show-cells'),
    layoutError: $('layout-error'),
    rows: $('participant-rows'),
    roomSummary: $('room-summary'),
    roomNote: $('room-note'),
    participants: $('participants'),
    mixStats: $('mix-stats'),
    tiles: $('tiles'),
  };

  // The one session this page holds (null when not joined).
  let session = null;
  let statsTimer = null;
  let roomTimer = null;

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

  // The session's Authorization header, if it has a token.
  function auth(s, headers = {}) {
    return s && s.token ? { ...headers, Authorization: `Bearer ${s.token}` } : headers;
  }

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
  //   name             display name (1..64 bytes of UTF-8), sent as ?name=;
  //                    none: the server uses the participant id
  //   token            access token (JWT) for a server that requires one
  //   simulcast        send video as three simulcast streams (rids q, h, f:
  //                    a quarter, half and full size of a 1280x720 camera)
  //   maxKbps          in sfu rooms, tell the server (b=AS in our answers)
  //                    to send each other participant's video within this
  //   relayPort        (tests) reach the server through a UDP relay on this
  //                    port of the server's address: its candidates are
  //                    rewritten in what we apply
  // Resolves to { status, location, postedAt } once the answer is applied
  // (postedAt: Date.now() when the WHIP POST went out).
  async function join(room, opts = {}) {
    if (session) throw new Error('already joined; leave first');
    room = String(room || '').trim();
    if (!room) throw new Error('room name is empty');
    const name = String(opts.name ?? '').trim();
    const token = String(opts.token ?? '').trim();
    ui.room.value = room;   // joined from script (tests): show which room
    ui.name.value = name;
    ui.token.value = token;
    const direction = opts.direction || 'sendrecv';
    const mangle = resolveMangler(opts.mangleOffer);

    showError(null);
    setStatus('starting');
    const s = { room, token, pc: null, media: null, location: null, id: null, ws: null,
                maxKbps: opts.maxKbps || 0, relayPort: opts.relayPort || 0,
                leaveOnPageHide: opts.leaveOnPageHide !== false,
                own: new Set(),            // mids of our own offer's m-lines
                tiles: new Map(),          // publisher id -> { fig, video, audio, stream }
                negotiation: Promise.resolve(), offers: 0, answered: 0,
                events: [] };              // the last 50 events (not offers)
    session = s;
    try {
      s.media = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: opts.simulcast ? { width: 1280, height: 720 } : { width: 640, height: 360 },
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
          ...(kind === 'video' && sendable && opts.simulcast ? {
            sendEncodings: [
              { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
              { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
              { rid: 'f', maxBitrate: 1500000 },
            ],
          } : {}),
        });
      }

      await pc.setLocalDescription(await pc.createOffer());
      for (const t of pc.getTransceivers()) s.own.add(t.mid);
      if (opts.waitIce) await waitIceGathering(pc, 3000);

      const url = `/rooms/${encodeURIComponent(room)}/whip`
        + (name ? `?name=${encodeURIComponent(name)}` : '');
      s.postedAt = Date.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: auth(s, { 'Content-Type': 'application/sdp' }),
        body: mangle(pc.localDescription.sdp),
      });
      const body = await res.text();
      if (res.status !== 201) {
        throw new Error(`WHIP POST ${res.status}: ${body.trim()}`);
      }
      const loc = res.headers.get('Location');
      if (!loc) throw new Error('WHIP answer has no Location header');
      s.location = new URL(loc, new URL(url, location.href)).href;
      // Location is /rooms/{room}/participants/{id}: the last part is our id.
      s.id = decodeURIComponent(new URL(s.location).pathname.split('/').pop());

      await pc.setRemoteDescription({ type: 'answer', sdp: viaRelay(s, body) });
      openEvents(s);
      setJoined(true);
      startStatsPanel();
      startRoomPanel();
      return { status: res.status, location: s.location, postedAt: s.postedAt };
    } catch (err) {
      showError(err.message || String(err));
      await teardown(false);
      setStatus('error');
      throw err;
    }
  }

  // ---- event channel and renegotiation (sfu rooms) ----

  function openEvents(s) {
    const u = new URL(`${s.location}/events`);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (s.token) u.searchParams.set('token', s.token);
    const ws = new WebSocket(u.href);
    s.ws = ws;
    ws.addEventListener('open', () => {
      for (const [id, t] of s.tiles) sendView(s, id, t.video);
    });
    ws.addEventListener('message', (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch { return; }
      if (ev.type !== 'offer') {
        s.events.push(ev);
        if (s.events.length > 50) s.events.shift();
      }
      if (ev.type === 'recording' && ev.state === 'failed') {
        showError(`recording ${ev.id} failed: ${ev.error}`);
      }
      if (ev.type === 'offer') {
        s.offers++;
        // one at a time, in the order they came
        s.negotiation = s.negotiation.then(() => answerOffer(s, ev.sdp))
          .catch((err) => { if (session === s) showError(`renegotiation: ${err.message || err}`); });
      } else if (ev.type === 'closed') {
        if (session === s) showError(`removed by the server: ${ev.reason}`);
      } else if (ev.type === 'error') {
        console.warn(`event channel: ${ev.error}`);
      }
    });
  }

  async function answerOffer(s, sdp) {
    if (session !== s) return;
    await s.pc.setRemoteDescription({ type: 'offer', sdp: viaRelay(s, sdp) });
    await s.pc.setLocalDescription(await s.pc.createAnswer());
    const res = await fetch(s.location, {
      method: 'PATCH',
      headers: auth(s, { 'Content-Type': 'application/sdp' }),
      body: limitBandwidth(s, s.pc.localDescription.sdp),
    });
    if (res.status !== 204) throw new Error(`PATCH ${res.status}: ${(await res.text()).trim()}`);
    s.answered++;
    dropEndedTiles(s);
  }

  // With opts.relayPort: the server's host candidates point at the relay.
  function viaRelay(s, sdp) {
    if (!s.relayPort) return sdp;
    return sdp.replace(/^(a=candidate:\S+ \d+ udp \d+ \S+ )(\d+)( typ host)/gm,
      (_, head, port, tail) => `${head}${s.relayPort}${tail}`);
  }

  // With opts.maxKbps: b=AS on each forwarded video m-line of the answer
  // we send (what we set locally stays as the browser wrote it).
  function limitBandwidth(s, sdp) {
    if (!s.maxKbps) return sdp;
    const parts = sdp.split(/\r\n(?=m=)/);
    return parts.map((sec) => {
      const mid = (sec.match(/\r\na=mid:(\S+)/) || [])[1];
      if (!sec.startsWith('m=video') || s.own.has(mid)) return sec;
      return sec.replace(/(\r\nc=[^\r]*)/, `$1\r\nb=AS:${s.maxKbps}`);
    }).join('\r\n');
  }

  // A tile per other participant whose tracks the server forwards.
  function tileFor(s, id) {
    let t = s.tiles.get(id);
    if (t) return t;
    const fig = document.createElement('figure');
    fig.className = 'tile';
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.dataset.publisher = id;
    const audio = document.createElement('audio');
    audio.autoplay = true;
    const cap = document.createElement('figcaption');
    cap.textContent = id;
    fig.append(video, audio, cap);
    ui.tiles.append(fig);
    ui.tiles.hidden = false;
    t = { fig, video, audio, stream: new MediaStream(), audioStream: new MediaStream(),
          trackAt: Date.now(), firstFrameAt: 0 };
    video.addEventListener('loadeddata', () => { t.firstFrameAt = Date.now(); }, { once: true });
    // the size we show it at: a simulcast sender's layer for us need not
    // be larger
    t.resize = new ResizeObserver(() => sendView(s, id, video));
    t.resize.observe(video);
    video.srcObject = t.stream;
    audio.srcObject = t.audioStream;
    s.tiles.set(id, t);
    return t;
  }

  function sendView(s, id, video) {
    if (!s.ws || s.ws.readyState !== WebSocket.OPEN) return;
    const k = window.devicePixelRatio || 1;
    s.ws.send(JSON.stringify({ type: 'view', publisher: id,
      width: Math.round(video.clientWidth * k), height: Math.round(video.clientHeight * k) }));
  }

  // Tracks whose m-line the server made inactive (their publisher left).
  function dropEndedTiles(s) {
    const live = new Set();
    for (const tr of s.pc.getTransceivers()) {
      if (!s.own.has(tr.mid) && (tr.currentDirection === 'recvonly' || tr.currentDirection === 'sendrecv')) {
        live.add(tr.receiver.track.id);
      }
    }
    for (const [id, t] of s.tiles) {
      for (const st of [t.stream, t.audioStream]) {
        for (const tr of st.getTracks()) if (!live.has(tr.id)) st.removeTrack(tr);
      }
      if (!t.stream.getTracks().length && !t.audioStream.getTracks().length) {
        t.resize.disconnect();
        t.fig.remove();
        s.tiles.delete(id);
      }
    }
    ui.tiles.hidden = !s.tiles.size;
  }

  function onTrack(ev) {
    const s = session;
    if (s && ev.transceiver && !s.own.has(ev.transceiver.mid) && ev.streams[0]) {
      // another participant's track, forwarded (sfu room)
      const t = tileFor(s, ev.streams[0].id);
      const st = ev.track.kind === 'video' ? t.stream : t.audioStream;
      if (!st.getTrackById(ev.track.id)) st.addTrack(ev.track);
      (ev.track.kind === 'video' ? t.video : t.audio).play().catch(() => {});
      return;
    }
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
        const res = await fetch(s.location, { method: 'DELETE', headers: auth(s) });
        status = res.status;
      } catch (err) {
        showError(`DELETE failed: ${err.message}`);
      }
    }
    if (s.ws) s.ws.close();
    if (s.pc) s.pc.close();
    for (const t of s.tiles.values()) { t.resize.disconnect(); t.fig.remove(); }
    ui.tiles.hidden = true;
    if (s.media) s.media.getTracks().forEach((t) => t.stop());
    for (const el of [ui.local, ui.remote, ui.remoteAudio]) el.srcObject = null;
    stopStatsPanel();
    stopRoomPanel();
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
      // sfu rooms: what each other participant's forwarded tracks bring
      // publisher id -> { framesDecoded, frameWidth, frameHeight, audioPackets,
      //                   trackAt, firstFrameAt (Date.now() of its track and first frame) }
      forwarded: {},
      offers: session ? session.offers : 0,
      answered: session ? session.answered : 0,
    };
    const pc = session && session.pc;
    if (!pc) return out;
    out.connectionState = pc.connectionState;
    out.iceConnectionState = pc.iceConnectionState;
    const publisherOf = new Map();   // mid -> publisher id
    for (const [id, t] of session.tiles) {
      for (const tr of pc.getTransceivers()) {
        const track = tr.receiver.track;
        if (t.stream.getTrackById(track.id) || t.audioStream.getTrackById(track.id)) {
          publisherOf.set(tr.mid, id);
        }
      }
    }
    const report = await pc.getStats();
    report.forEach((r) => {
      // an m-line the server added (sfu): another participant's track,
      // or one whose participant left (counted nowhere)
      const forwarded = r.type === 'inbound-rtp' && r.mid !== undefined && !session.own.has(r.mid);
      const pub = forwarded ? publisherOf.get(r.mid) : undefined;
      if (forwarded && pub === undefined) return;
      if (pub !== undefined) {
        const tile = session.tiles.get(pub);
        const f = out.forwarded[pub] || (out.forwarded[pub] = {
          framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPackets: 0,
          trackAt: tile.trackAt, firstFrameAt: tile.firstFrameAt });
        if (r.kind === 'video') {
          f.framesDecoded += r.framesDecoded || 0;
          f.frameWidth = Math.max(f.frameWidth, r.frameWidth || 0);
          f.frameHeight = Math.max(f.frameHeight, r.frameHeight || 0);
        } else {
          f.audioPackets += r.packetsReceived || 0;
        }
      } else if (r.type === 'inbound-rtp' && r.kind === 'video') {
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
        if (r.rid) {
          (o.layers || (o.layers = {}))[r.rid] = {
            frameWidth: r.frameWidth || 0, targetBitrate: r.targetBitrate || 0,
            limitedBy: r.qualityLimitationReason, active: r.active };
        }
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
        dd.textContent = typeof v === 'number' ? v.toLocaleString('en-US') : String(v);
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

  // ---- room panel: participants, layout picker, cell overlay, mix counters ----

  const roomUrl = (room) => `/rooms/${encodeURIComponent(room)}`;
  const shortId = (id) => (id ? String(id).slice(0, 6) : '');
  const num = (n) => (Number.isFinite(n) ? n.toLocaleString('en-US') : '–');

  // What the last GET /rooms/{room} said (null before the first answer).
  let roomInfo = null;
  let layoutBusy = false;     // a PUT is under way: do not overwrite the <select>
  let knownLayouts = [];

  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'style') Object.assign(e.style, v);
      else e.setAttribute(k, v);
    }
    e.append(...children.filter((c) => c != null));
    return e;
  }

  async function fetchJson(url, opts) {
    const res = await fetch(url, opts);
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  }

  // Fills the layout <select> from GET /layouts, keeping `current` selected
  // (added as an option if the server no longer lists it).
  async function loadLayouts() {
    try {
      const r = await fetchJson('/layouts');
      if (r.status === 200 && r.json && Array.isArray(r.json.layouts)) knownLayouts = r.json.layouts;
    } catch { /* keep what we had */ }
    fillLayouts();
  }

  function fillLayouts() {
    const current = (roomInfo && roomInfo.mix && roomInfo.mix.layout) || ui.layout.value;
    const names = knownLayouts.slice();
    if (current && !names.includes(current)) names.push(current);
    const same = names.length === ui.layout.options.length
      && names.every((n, i) => ui.layout.options[i].value === n);
    if (!same) ui.layout.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
    if (current) ui.layout.value = current;
  }

  async function putLayout(name) {
    const s = session;
    if (!s || layoutBusy) return;
    layoutBusy = true;
    ui.layout.disabled = true;
    showLayoutError(null);
    try {
      const r = await fetchJson(`${roomUrl(s.room)}/layout`, {
        method: 'PUT',
        headers: auth(s, { 'Content-Type': 'application/json' }),
        body: JSON.stringify({ layout: name }),
      });
      if (r.status !== 200) {
        const why = (r.json && r.json.error) || r.text.trim() || 'no reason given';
        showLayoutError(`Layout not changed (${r.status}): ${why}`);
      } else if (roomInfo && roomInfo.mix) {
        roomInfo.mix.layout = (r.json && r.json.layout) || name;
      }
    } catch (err) {
      showLayoutError(`Layout not changed: ${err.message || err}`);
    } finally {
      layoutBusy = false;
      if (session === s) await refreshRoom(s);
    }
  }

  function showLayoutError(msg) {
    ui.layoutError.hidden = !msg;
    ui.layoutError.textContent = msg || '';
  }

  async function refreshRoom(s) {
    let r;
    try {
      r = await fetchJson(roomUrl(s.room), { headers: auth(s) });
    } catch (err) {
      // server unreachable: say so, and ask again less often
      s.roomRetryAt = Date.now() + 5000;
      if (session === s) renderRoomError(`room info unavailable (retrying): ${err.message || err}`);
      return;
    }
    if (session !== s) return;      // left (or rejoined) meanwhile
    if (r.status === 401 || r.status === 403) {
      // asking again will not help: the token lacks the admin right
      s.roomRetryAt = Infinity;
      renderRoomError(`Room details need a token with the admin right (${r.status}: ${
        (r.json && r.json.error) || r.text.trim()})`);
      return;
    }
    if (r.status !== 200 || !r.json) {
      const why = (r.json && r.json.error) || r.text.trim();
      renderRoomError(`GET ${roomUrl(s.room)} ${r.status}${why ? `: ${why}` : ''}`);
      return;
    }
    roomInfo = r.json;
    renderRoom();
  }

  function renderRoomError(msg) {
    ui.roomNote.hidden = false;
    ui.roomNote.textContent = msg;
    ui.roomNote.classList.add('bad');
  }

  function renderRoom() {
    const info = roomInfo;
    const me = session && session.id;
    const mix = info && info.mode === 'mix' && info.mix ? info.mix : null;
    // in join order (oldest first), like the layouts fill their cells
    const parts = (info && Array.isArray(info.participants) ? info.participants.slice() : [])
      .sort((a, b) => (b.age_ms || 0) - (a.age_ms || 0));

    // the big video's label and the mix-only controls
    ui.remoteLabel.textContent = !info ? 'From Tessera'
      : mix ? 'Room mix' : `From Tessera (${info.mode || 'echo'})`;
    ui.mixControls.hidden = !!info && !mix;
    ui.layout.disabled = !mix || layoutBusy;
    ui.showCells.disabled = !mix;
    ui.participants.classList.toggle('with-mix', !!mix);
    if (mix && !layoutBusy) {
      if (!knownLayouts.includes(mix.layout)) loadLayouts();  // a preset added live
      else fillLayouts();
    }

    // summary + rows
    if (!info) {
      ui.roomSummary.textContent = 'not joined';
    } else {
      const n = parts.length;
      ui.roomSummary.replaceChildren(
        el('strong', { text: info.name }),
        ` · ${info.mode} room · ${n} participant${n === 1 ? '' : 's'}`
          + (mix ? ` · layout ${mix.layout}` : ''));
    }
    const inCell = new Map();
    if (mix) {
      mix.cells.forEach((c, i) => { if (c.participant) inCell.set(c.participant, i + 1); });
    }
    ui.rows.replaceChildren(...parts.map((p) => {
      const named = p.name && p.name !== p.id;
      const who = el('td', { class: 'who', title: `${p.id}\nremote ${p.remote}\n${p.srtp}` },
        named ? el('span', { class: 'name', text: p.name }) : null,
        el('code', { text: shortId(p.id) }),
        p.id === me ? el('span', { class: 'tag you', text: 'you' }) : null,
        mix && mix.speaker && p.id === mix.speaker
          ? el('span', { class: 'tag speaker', text: 'speaker', title: 'active speaker' }) : null);
      const c = p.counters || {};
      const cell = inCell.get(p.id);
      return el('tr', { class: p.id === me ? 'me' : '' },
        who,
        el('td', {}, el('span', { class: 'state', 'data-state': p.state, text: p.state })),
        el('td', { class: 'codecs', text: [p.audio, p.video].filter(Boolean).join(' / ') || '–' }),
        el('td', { class: 'num', text: num(c.rtp_in) }),
        el('td', { class: 'num', text: num(c.rtp_out) }),
        el('td', { class: 'mix-col', text: !mix ? '' : cell ? `cell ${cell}` : 'not shown' }));
    }));
    ui.roomNote.classList.remove('bad');
    ui.roomNote.hidden = parts.length > 0;
    ui.roomNote.textContent = !info ? 'Join a room to see who is in it.' : 'No participants.';

    nameOf = new Map(parts.map((p) => [p.id, p.name && p.name !== p.id ? p.name : shortId(p.id)]));

    // mix counters
    ui.mixStats.hidden = !mix;
    if (mix) {
      ui.mixStats.textContent = `Mix: ${num(mix.video_frames)} video frames`
        + ` · ${num(mix.video_missed)} video ticks missed`
        + ` · ${num(mix.audio_ticks)} audio blocks`
        + ` · ${num(mix.audio_missed)} audio ticks missed`;
    }

    renderCells(mix, me);
  }

  // Participant id -> what to call it (its name, else the short id).
  let nameOf = new Map();

  // Outlines of the layout's cells over the received video (fractions of the picture).
  function renderCells(mix, me) {
    const show = !!mix && ui.showCells.checked;
    ui.cells.hidden = !show;
    if (!show) { ui.cells.replaceChildren(); return; }
    placeCells();
    ui.cells.replaceChildren(...mix.cells.map((c, i) => {
      const pid = c.participant;
      const label = !pid ? `${i + 1} · empty`
        : `${i + 1} · ${nameOf.get(pid) || shortId(pid)}${pid === me ? ' (you)' : ''}${pid === mix.speaker ? ' · speaker' : ''}`;
      return el('div', {
        class: `cell${pid ? '' : ' empty'}${pid && pid === mix.speaker ? ' speaker' : ''}`,
        style: {
          left: `${c.x * 100}%`, top: `${c.y * 100}%`,
          width: `${c.w * 100}%`, height: `${c.h * 100}%`,
          zIndex: String(1 + (c.z | 0)),
        },
      }, el('span', { class: 'cell-label', text: label }));
    }));
  }

  // Fit the overlay to the picture inside the <video> (object-fit: contain).
  function placeCells() {
    const v = ui.remote;
    const ew = v.clientWidth;
    const eh = v.clientHeight;
    const vw = v.videoWidth || 16;
    const vh = v.videoHeight || 9;
    if (!ew || !eh) return;
    const scale = Math.min(ew / vw, eh / vh);
    const w = vw * scale;
    const h = vh * scale;
    Object.assign(ui.cells.style, {
      left: `${(ew - w) / 2}px`, top: `${(eh - h) / 2}px`, width: `${w}px`, height: `${h}px`,
    });
  }

  function startRoomPanel() {
    stopRoomPanel();
    const s = session;
    const tick = () => {
      if (session === s && !(s.roomRetryAt > Date.now())) refreshRoom(s);
    };
    tick();
    roomTimer = setInterval(tick, 1000);
  }

  function stopRoomPanel() {
    if (roomTimer) clearInterval(roomTimer);
    roomTimer = null;
    roomInfo = null;
    showLayoutError(null);
    renderRoom();
  }

  ui.layout.addEventListener('change', () => { putLayout(ui.layout.value); });
  // the presets file may have changed since: re-read the list when the picker is used
  ui.layout.addEventListener('focus', () => { if (!layoutBusy) loadLayouts(); });
  ui.showCells.addEventListener('change', () => {
    renderCells(roomInfo && roomInfo.mode === 'mix' ? roomInfo.mix : null, session && session.id);
  });
  ui.remote.addEventListener('resize', () => { if (!ui.cells.hidden) placeCells(); });
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => { if (!ui.cells.hidden) placeCells(); }).observe(ui.remote);
  }

  // ---- page wiring ----

  function setStatus(text) {
    ui.status.textContent = text;
    ui.status.dataset.state = text;
  }

  function setJoined(joined) {
    ui.join.disabled = joined;
    ui.room.disabled = joined;
    ui.name.disabled = joined;
    ui.token.disabled = joined;
    ui.leave.disabled = !joined;
  }

  function showError(msg) {
    ui.error.hidden = !msg;
    ui.error.textContent = msg || '';
  }

  ui.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ui.join.disabled = true;
    join(ui.room.value, { name: ui.name.value, token: ui.token.value })
      .catch(() => setJoined(false));
  });
  ui.leave.addEventListener('click', () => { leave(); });

  // Closing the tab leaves the room at once rather than waiting for consent to expire.
  window.addEventListener('pagehide', () => {
    if (session && session.location && session.leaveOnPageHide) {
      fetch(session.location, { method: 'DELETE', keepalive: true, headers: auth(session) })
        .catch(() => {});
    }
  });

  const roomParam = new URLSearchParams(location.search).get('room');
  if (roomParam) ui.room.value = roomParam;
  const nameParam = new URLSearchParams(location.search).get('name');
  if (nameParam) ui.name.value = nameParam;
  renderStats({
    connectionState: '–', iceConnectionState: '–',
    inboundVideo: { packetsReceived: 0, framesDecoded: 0, frameWidth: 0, frameHeight: 0 },
    inboundAudio: { packetsReceived: 0, audioLevel: 0 },
    outboundVideo: { packetsSent: 0 },
    outboundAudio: { packetsSent: 0 },
  });
  renderRoom();
  loadLayouts();

  // The event channel's last messages (offers left out), oldest first.
  const events = () => (session ? session.events.slice() : []);
  // The session's current descriptions (tests).
  const sdp = () => ({
    local: session && session.pc ? session.pc.localDescription.sdp : '',
    remote: session && session.pc ? session.pc.remoteDescription.sdp : '',
  });

  window.tessera = { join, leave, stats, events, sdp, manglers };
})();
