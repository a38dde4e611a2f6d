// A lossy UDP relay between one browser and Tessera (netem is not in this
// kernel): one socket on 127.0.0.1; what comes from the target (Tessera's
// media port) goes to the last client address seen, everything else goes
// to the target.  Each datagram is dropped with probability `loss` or
// delayed by delayMs ± jitterMs (so it may be reordered), from a seeded
// PRNG: a run can be repeated.  set() changes the faults at any time.
// For attack tests it keeps the client's last SRTP packets: inject() sends
// any bytes to the target from the relay's (validated) address, recent()
// returns copies of what the client sent.
import dgram from 'node:dgram';

// mulberry32: a small seeded PRNG, uniform in [0, 1)
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startRelay({ targetPort, seed = 1, loss = 0, delayMs = 0, jitterMs = 0 }) {
  const rnd = prng(seed);
  const sock = dgram.createSocket('udp4');
  let client = null;
  let faults = { loss, delayMs, jitterMs };
  const stats = { up: 0, down: 0, upDropped: 0, downDropped: 0 };
  const timers = new Set();
  const sent = [];   // the client's last 64 SRTP/SRTCP datagrams

  sock.on('message', (msg, from) => {
    const fromTarget = from.port === targetPort && from.address === '127.0.0.1';
    if (!fromTarget) client = { port: from.port, address: from.address };
    const to = fromTarget ? client : { port: targetPort, address: '127.0.0.1' };
    if (!to) return;
    const dir = fromTarget ? 'down' : 'up';
    stats[dir]++;
    if (!fromTarget && msg[0] >= 128 && msg[0] <= 191) {
      sent.push(Buffer.from(msg));
      if (sent.length > 64) sent.shift();
    }
    if (faults.loss && rnd() < faults.loss) {
      stats[`${dir}Dropped`]++;
      return;
    }
    const delay = faults.delayMs + (rnd() * 2 - 1) * faults.jitterMs;
    if (delay <= 0) {
      sock.send(msg, to.port, to.address);
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      sock.send(msg, to.port, to.address);
    }, delay);
    timers.add(t);
  });
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));

  return {
    port: sock.address().port,
    stats,
    set(f) { faults = { ...faults, ...f }; },
    inject(buf) { sock.send(buf, targetPort, '127.0.0.1'); },
    recent() { return sent.map((b) => Buffer.from(b)); },
    close() {
      for (const t of timers) clearTimeout(t);
      sock.close();
    },
  };
}
