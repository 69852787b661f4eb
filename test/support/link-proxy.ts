/**
 * A TCP proxy that behaves like a 3G link's far end (this kernel has no
 * netem; npm has no maintained fault-injecting proxy that runs without a
 * separate binary): every byte is held for half the round trip each way, a
 * new connection pays one more round trip (its handshake), a fraction of
 * connections are reset partway, and the link can drop: nothing moves for a
 * while, then every connection open during the drop is reset (the modem
 * reattached; its NAT state is gone). Bandwidth is tc's, not this.
 *
 * Run as a script inside a namespace (test/support/netns.ts): it listens on
 * LISTEN_HOST:LISTEN_PORT, forwards to TARGET_PORT on its loopback, and takes
 * orders over IPC: {type: 'drop', ms}, {type: 'stats'}, {type: 'configure', …}.
 */
import net from 'node:net';

export interface LinkFaults {
  rttMs: number;
  /** Share of new connections reset at a random moment of their first two seconds. */
  resetFraction: number;
  seed: number;
}

export interface LinkStats {
  connections: number;
  resets: number;
  bytesUp: number;
  bytesDown: number;
  dropped: boolean;
}

/** mulberry32: a small seeded generator, so a run's resets can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultyLink {
  readonly server: net.Server;
  readonly stats: LinkStats = { connections: 0, resets: 0, bytesUp: 0, bytesDown: 0, dropped: false };
  private open = new Set<{ reset(): void; pause(): void; resume(): void }>();
  private duringDrop = new Set<{ reset(): void }>();
  private rand: () => number;
  private dropTimer: NodeJS.Timeout | undefined;

  constructor(private faults: LinkFaults, targetPort: number) {
    this.rand = random(faults.seed);
    this.server = net.createServer((client) => this.connect(client, targetPort));
  }

  configure(faults: Partial<LinkFaults>): void {
    this.faults = { ...this.faults, ...faults };
    if (faults.seed !== undefined) this.rand = random(faults.seed);
  }

  /** Nothing moves for `ms`; then every connection that saw the drop is reset. */
  drop(ms: number): void {
    this.stats.dropped = true;
    for (const c of this.open) {
      c.pause();
      this.duringDrop.add(c);
    }
    clearTimeout(this.dropTimer);
    this.dropTimer = setTimeout(() => {
      this.stats.dropped = false;
      for (const c of this.duringDrop) c.reset();
      this.duringDrop.clear();
    }, ms);
  }

  close(): void {
    clearTimeout(this.dropTimer);
    for (const c of this.open) c.reset();
    this.server.close();
  }

  private connect(client: net.Socket, targetPort: number): void {
    this.stats.connections += 1;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const oneWay = this.faults.rttMs / 2;
    let closed = false;
    const timers = new Set<NodeJS.Timeout>();
    const conn = {
      reset: () => {
        if (closed) return;
        closed = true;
        for (const t of timers) clearTimeout(t);
        this.stats.resets += 1;
        client.resetAndDestroy();
        upstream.resetAndDestroy();
        this.open.delete(conn);
      },
      pause: () => {
        client.pause();
        upstream.pause();
      },
      resume: () => {
        client.resume();
        upstream.resume();
      },
    };
    this.open.add(conn);
    if (this.stats.dropped) {
      conn.pause();
      this.duringDrop.add(conn);
    }
    if (this.rand() < this.faults.resetFraction) {
      const t = setTimeout(() => conn.reset(), Math.round(this.rand() * 2000));
      timers.add(t);
    }
    // The first bytes of a new connection wait one more round trip: the handshake a real link would cost.
    let extra = this.faults.rttMs;
    const forward = (from: net.Socket, to: net.Socket, count: (n: number) => void, delay: () => number) => {
      from.on('data', (chunk: Buffer) => {
        count(chunk.length);
        const t = setTimeout(() => {
          timers.delete(t);
          if (closed || this.stats.dropped) return; // a drop loses what was in flight; the reset at its end says so
          if (!to.write(chunk)) {
            from.pause();
            to.once('drain', () => !this.stats.dropped && from.resume());
          }
        }, delay());
        timers.add(t);
      });
      from.on('end', () => {
        const t = setTimeout(() => !closed && to.end(), delay());
        timers.add(t);
      });
    };
    forward(client, upstream, (n) => (this.stats.bytesUp += n), () => {
      const d = oneWay + extra;
      extra = 0;
      return d;
    });
    forward(upstream, client, (n) => (this.stats.bytesDown += n), () => oneWay);
    const gone = () => {
      if (closed) return;
      closed = true;
      // Let what is already in flight arrive before the other side hears of the close.
      const t = setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, oneWay + 10);
      timers.add(t);
      this.open.delete(conn);
    };
    client.on('close', gone).on('error', () => undefined);
    upstream.on('close', gone).on('error', () => undefined);
  }
}

// As a script: one link, ordered over IPC by the test that started it.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!) && process.send) {
  const link = new FaultyLink({ rttMs: Number(process.env.RTT_MS ?? 300), resetFraction: 0, seed: 1 }, Number(process.env.TARGET_PORT));
  link.server.listen(Number(process.env.LISTEN_PORT), process.env.LISTEN_HOST ?? '0.0.0.0', () => process.send!({ type: 'ready' }));
  process.on('message', (m: { type: string; ms?: number; faults?: Partial<LinkFaults> }) => {
    if (m.type === 'drop') link.drop(m.ms ?? 0);
    if (m.type === 'configure') link.configure(m.faults ?? {});
    if (m.type === 'stats' || m.type === 'drop' || m.type === 'configure') process.send!({ type: 'stats', stats: { ...link.stats } });
  });
  process.on('disconnect', () => {
    link.close();
    process.exit(0);
  });
}
