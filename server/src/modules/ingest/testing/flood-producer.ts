// A producer in its own process (so the server under test has its event loop to itself): publishes valid
// single-position messages at a steady rate and, on other connections, a flood of heavy or oversized messages.
// argv: redisUrl channel kind(oversized|heavy|none) seconds validPerSecond units(comma-separated) lng lat floodPerSecond
// (floodPerSecond 0: as fast as three connections can publish)
// Prints one JSON line: { sent, floodSent }.
import { createClient } from 'redis';

const [url, channel, kind, secondsArg, rateArg, unitsArg, lngArg, latArg, floodRateArg] = process.argv.slice(2);
const floodRate = Number(floodRateArg ?? 0);
const seconds = Number(secondsArg);
const rate = Number(rateArg);
const units = unitsArg!.split(',');
const lng = Number(lngArg);
const lat = Number(latArg);

const payload = kind === 'oversized'
  ? JSON.stringify({ unitId: units[0], lng, lat, ts: Date.now(), note: 'x'.repeat(1_200_000) })
  : JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ unitId: `ZZ-${i}`, lng, lat, ts: Date.now() })));

const connect = async () => {
  const c = createClient({ url });
  await c.connect();
  return c;
};
const until = Date.now() + seconds * 1_000;
let floodSent = 0;
let sent = 0;
const flooders = kind === 'none' ? [] : await Promise.all([connect(), connect(), connect()]);
const valid = await connect();
const floodStart = Date.now();
const floods = flooders.map(async (c) => {
  while (Date.now() < until) {
    if (floodRate > 0) {
      const due = floodStart + (floodSent * 1_000) / floodRate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    floodSent++;
    await c.publish(channel!, payload);
  }
});
const steady = (async () => {
  const start = Date.now();
  while (Date.now() < until) {
    const due = start + (sent * 1_000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    await valid.publish(channel!, JSON.stringify({ unitId: units[sent % units.length], lng, lat, ts: Date.now() }));
    sent++;
  }
})();
await Promise.all([...floods, steady]);
await Promise.all([...flooders, valid].map((c) => c.close()));
process.stdout.write(`${JSON.stringify({ sent, floodSent })}\n`);
