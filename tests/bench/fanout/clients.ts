// COUNT Socket.IO clients of the fan-out bench in one process (the bench spreads its clients over several, so
// the receiving side is never what limits a row). Latency = receipt time − the `ts` the producer stamped.
//
// stdin, one line each: "window START END" (epoch ms: only positions stamped inside count), "report".
// stdout, one JSON line each: {"ready":true} once every client is connected (and subscribed, for ccr); after
// "report": {"received","repeated","hist","first","last","cpu"} — first and last: the latencies of positions
// stamped in the window's first and last third (a growing backlog shows as the last above the first); cpu is this
// process's CPU over the window, in cores.
import { createInterface } from 'node:readline';
import { io, type Socket } from 'socket.io-client';
import type { PositionFrame } from '@ccr/shared';
import { LatencyHistogram } from '../latency-histogram.js';

const url = process.env.URL!;
const count = Number(process.env.COUNT);
const kind = process.env.KIND === 'bare' ? 'bare' : 'ccr';
const token = process.env.TOKEN;
const say = (o: object): void => { process.stdout.write(`${JSON.stringify(o)}\n`); };

const hist = new LatencyHistogram();
const [first, last] = [new LatencyHistogram(), new LatencyHistogram()];
let windowStart = Infinity;
let windowEnd = Infinity;
let received = 0;
let repeated = 0;
/** CPU used between the window's start and end, in seconds. */
let cpuInWindow = Number.NaN;
const sockets: Socket[] = [];

for (let i = 0; i < count; i++) {
  const s = io(url, { transports: ['websocket'], reconnection: false, auth: token ? { token } : {} });
  const lastTs = new Map<string, number>();
  const record = (ts: number, now: number, unitId: string): void => {
    if (ts < windowStart || ts >= windowEnd) return;
    // A unit's reports must arrive once each and in order; anything else is a fan-out bug.
    if ((lastTs.get(unitId) ?? -1) >= ts) repeated += 1;
    lastTs.set(unitId, ts);
    hist.add(now - ts);
    const third = (windowEnd - windowStart) / 3;
    if (ts < windowStart + third) first.add(now - ts);
    else if (ts >= windowEnd - third) last.add(now - ts);
    received += 1;
  };
  if (kind === 'bare') {
    s.on('positions' as never, (batch: { ts: number; unitId: string }[]) => {
      const now = Date.now();
      for (const p of batch) record(p.ts, now, p.unitId);
    });
  } else {
    s.on('units:moved' as never, (f: PositionFrame) => {
      const now = Date.now();
      for (const p of f.positions) record(p[3], now, p[0]);
    });
  }
  sockets.push(s);
}
await Promise.all(sockets.map((s) => new Promise<void>((r, j) => { s.once('connect', () => r()); s.once('connect_error', j); })));
if (kind === 'ccr') await Promise.all(sockets.map((s) => s.timeout(30_000).emitWithAck('live:subscribe' as never, {} as never)));
say({ ready: true });

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, a, b] = line.trim().split(/\s+/);
  if (cmd === 'window') {
    windowStart = Number(a);
    windowEnd = Number(b);
    setTimeout(() => {
      const cpu0 = process.cpuUsage();
      setTimeout(() => { const u = process.cpuUsage(cpu0); cpuInWindow = (u.user + u.system) / 1e6; }, windowEnd - windowStart);
    }, Math.max(0, windowStart - Date.now()));
  } else if (cmd === 'report') {
    say({ received, repeated, hist: hist.toJSON(), first: first.toJSON(), last: last.toJSON(), cpu: cpuInWindow / ((windowEnd - windowStart) / 1000) });
    for (const s of sockets) s.close();
    process.exit(0);
  }
}
