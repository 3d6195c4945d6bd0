// The fan-out bench's load: UNITS units each reporting once a second, spread over SLOTS slots of the second, by
// PUBLISH on CHANNEL — in a process of its own so that busy clients or a busy server never slow the offered
// load. Slots are scheduled against the clock, not by setInterval: a late tick sends every slot that is due, so
// the rate offered holds even when the machine is loaded; what was offered is reported, never assumed.
//
// stdout, one JSON line each: {"ready":true} once connected, then {"sec":S,"n":N} for each whole second S (epoch
// seconds) when it is over — N positions published with a `ts` in that second. SIGTERM ends it.
import { createClient } from 'redis';

const units = Number(process.env.UNITS);
const channel = process.env.CHANNEL!;
const slots = Number(process.env.SLOTS ?? 50);
const slotMs = 1000 / slots;

const pub = createClient({ url: process.env.REDIS_URL });
await pub.connect();
const say = (o: object): void => { process.stdout.write(`${JSON.stringify(o)}\n`); };
say({ ready: true });

const ids = Array.from({ length: units }, (_, i) => `L-${String(i + 1).padStart(5, '0')}`);
const start = Math.ceil(Date.now() / 1000) * 1000;
let next = 0; // index of the next slot to send, counted from `start`
const perSecond = new Map<number, number>();
let reported = Math.floor(start / 1000) - 1;

function tick(): void {
  const now = Date.now();
  while (start + next * slotMs <= now) {
    const slot = next % slots;
    const batch = [];
    for (let i = slot; i < units; i += slots) {
      batch.push({ unitId: ids[i], lng: 116.6 + (i % 100) * 0.001, lat: 39.0 + Math.floor(i / 100) * 0.001, ts: now, speed: 8, heading: 90 });
    }
    if (batch.length > 0) {
      void pub.publish(channel, JSON.stringify(batch));
      const sec = Math.floor(now / 1000);
      perSecond.set(sec, (perSecond.get(sec) ?? 0) + batch.length);
    }
    next++;
  }
  const done = Math.floor(now / 1000) - 1;
  for (let s = reported + 1; s <= done; s++) {
    say({ sec: s, n: perSecond.get(s) ?? 0 });
    perSecond.delete(s);
  }
  reported = Math.max(reported, done);
  setTimeout(tick, Math.max(0, start + next * slotMs - Date.now()));
}
tick();

process.on('SIGTERM', () => { void pub.close().finally(() => process.exit(0)); });
