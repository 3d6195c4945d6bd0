// Latency of GET /api/incidents/:id/recommendations with the demo roster, measured from outside over HTTP:
//   pnpm --filter @ccr/tests exec tsx bench/measure-latency.ts [--runs 5] [--requests 300]
// A private redis-server and the real app on a free port; the demo jurisdiction's tracked units placed where the
// simulator has driven them for ten simulated minutes (on the roads, as in the demo), 30 incidents spread over
// the town. Requests go one at a time (latency, not throughput); each run prints p50/p95, the last line the
// medians over the runs. A script, not a test: timings on a shared machine are not pass/fail material.
import { parseArgs } from 'node:util';
import type { IncidentReport } from '@ccr/shared';
import { DEMO_JURISDICTION_DIR, loadJurisdiction } from '@ccr/server/jurisdiction';
import { createSimulation } from '@ccr/simulator/simulation';
import { login, startRedisServer, startTestServer } from '@ccr/server/testing';
import { createClient } from 'redis';

const { values } = parseArgs({ options: { runs: { type: 'string' }, requests: { type: 'string' }, incidents: { type: 'string' } } });
const RUNS = Number(values.runs ?? 5);
const REQUESTS = Number(values.requests ?? 300);
const INCIDENTS = Number(values.incidents ?? 30);

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
const median = (xs: readonly number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const prefix = 'lat:';
  const server = await startTestServer({ redisUrl: redis.url, jurisdictionDir: DEMO_JURISDICTION_DIR, keyPrefix: prefix, staleAfterMs: 3_600_000,
    // One client asking thousands of times a minute is this script, not an attack.
    auth: { rateLimitPerMinute: 1_000_000 },
  });
  const producer = createClient({ url: redis.url });
  await producer.connect();
  try {
    const jurisdiction = await loadJurisdiction(DEMO_JURISDICTION_DIR);
    const now = Date.now();
    const sim = createSimulation({ jurisdiction, seed: 7, startMs: now - 600_000, rateHz: 1, incidentsPerHour: 0 });
    let tick = sim.tick();
    for (let k = 0; k < 600; k++) tick = sim.tick();
    await producer.publish(`${prefix}in:positions`, JSON.stringify(tick.positions.map((p) => ({ ...p, ts: Date.now() }))));
    const incidents: IncidentReport[] = [];
    for (let k = 0; k < INCIDENTS; k++) incidents.push(sim.incidents.emitNow(now, Date.now()));
    for (const i of incidents) await producer.xAdd(`${prefix}in:incidents`, '*', { data: JSON.stringify(i) });
    const { token } = await login(server, 'dispatcher', server.config.auth.demoPassword!);
    const get = async (id: string): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/incidents/${id}/recommendations`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { candidates?: unknown[] };
      const ms = performance.now() - t0;
      if (res.status !== 200 || !body.candidates) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
      return ms;
    };
    // Wait until every incident is in and units have positions.
    for (const i of incidents) {
      for (let k = 0; ; k++) {
        const res = await fetch(`${server.url}/api/incidents/${i.id}`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status === 200) break;
        if (k > 100) throw new Error(`incident ${i.id} never arrived`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const sample = (await (await fetch(`${server.url}/api/incidents/${incidents[0]!.id}/recommendations`, { headers: { authorization: `Bearer ${token}` } })).json()) as { candidates: { unitId: string; etaSeconds: number }[] };
    process.stdout.write(`demo roster: ${tick.positions.length} tracked units placed, ${incidents.length} incidents; first incident's top candidates: ${sample.candidates.slice(0, 3).map((c) => `${c.unitId} ${Math.round(c.etaSeconds)} s`).join(', ')}\n`);
    for (let k = 0; k < 50; k++) await get(incidents[k % incidents.length]!.id); // warm-up (JIT, connections)
    const p50s: number[] = [];
    const p95s: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const times: number[] = [];
      for (let k = 0; k < REQUESTS; k++) times.push(await get(incidents[k % incidents.length]!.id));
      times.sort((a, b) => a - b);
      const p50 = quantile(times, 0.5);
      const p95 = quantile(times, 0.95);
      p50s.push(p50);
      p95s.push(p95);
      process.stdout.write(`run ${run}: ${REQUESTS} requests, p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${times.at(-1)!.toFixed(2)} ms\n`);
    }
    process.stdout.write(`median of ${RUNS} runs: p50 ${median(p50s).toFixed(2)} ms, p95 ${median(p95s).toFixed(2)} ms\n`);
  } finally {
    await producer.close();
    await server.close();
    await redis.dispose();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
