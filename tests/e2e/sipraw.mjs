// A raw SIP client over UDP on 127.0.0.1, for requests baresip would not
// send (no codec in common, no SDP, forged credentials): send text, wait
// for a message that matches.
import dgram from 'node:dgram';

// to(): the server's SIP port (a function: the server may start later)
export function sipClient(to) {
  const sock = dgram.createSocket('udp4');
  const got = [];
  let wake = null;
  sock.on('message', (m) => { got.push(m.toString()); if (wake) wake(); });
  const ready = new Promise((r) => sock.bind(0, '127.0.0.1', r));
  return {
    async send(text) { await ready; sock.send(text, to(), '127.0.0.1'); },
    port: async () => { await ready; return sock.address().port; },
    // the next message that matches re, within ms (null when none came)
    async wait(re, ms = 5000) {
      const t0 = Date.now();
      for (;;) {
        const i = got.findIndex((m) => re.test(m));
        if (i >= 0) return got.splice(i, 1)[0];
        if (Date.now() - t0 > ms) return null;
        await new Promise((r) => { wake = r; setTimeout(r, 50); });
      }
    },
    close: () => sock.close(),
  };
}
