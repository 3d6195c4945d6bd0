// `pnpm sim`: the demo's producer. Loads a jurisdiction, simulates its units and incidents, and sends
// them to Redis over the ingest contract (see producer.ts). A CLI: plain log lines on stderr.
import { localDayOf, parseResponseTargets, type DeviceOrder, type RollCallNotice, type SearchNotice } from '@ccr/shared';
import { DEMO_JURISDICTION_DIR } from './config.js';
import { JurisdictionError, loadJurisdiction } from './jurisdiction.js';
import { autoDispatchTimings, startAutoDispatcher, type AutoDispatcher } from './auto-dispatcher.js';
import { obeyOrders, type DeviceFleet } from './devices.js';
import { isMobileKind } from './movement.js';
import { SIMULATOR_USAGE, parseSimulatorOptions } from './options.js';
import { ingestKeys, lastIncidentSequences, redactUrl, runProducer } from './producer.js';
import { createRng, liveIncidentsPerHour, officerAnswers } from '@ccr/shared/demo';
import { NotEnoughUnitsError, createSimulation, trackedUnits, type Simulation } from './simulation.js';
import { startAutoCommunity, type AutoCommunity } from './auto-community.js';
import { startAutoResponders, type AutoResponders } from './auto-responders.js';
import { callOutPlan, rollCallPlan, searchAnswerPlan } from './responder-behaviour.js';
import { pickVolunteers, startVolunteerFleet, type VolunteerFleet } from './volunteer-fleet.js';
import { haversineMeters, keyBase } from '@ccr/shared';

const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const log = (line: string): void => {
  process.stderr.write(`${clock.format(new Date())} ${line}\n`);
};

async function main(): Promise<number> {
  const parsed = parseSimulatorOptions(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    process.stderr.write(`sim: ${parsed.error}\n${SIMULATOR_USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${SIMULATOR_USAGE}\n`);
    return 0;
  }
  const o = parsed.options;
  const dir = o.jurisdictionDir ?? DEMO_JURISDICTION_DIR;
  let jurisdiction;
  try {
    jurisdiction = await loadJurisdiction(dir);
  } catch (err) {
    process.stderr.write(`sim: ${err instanceof JurisdictionError ? err.message : String(err)}\n`);
    return 1;
  }

  // Today's numbering continues after the last JQ-… id already in the stream (filled in on connect).
  const lastSequence = new Map<string, number>();
  let unitCount: number;
  try {
    unitCount = trackedUnits(jurisdiction, o.units).length;
  } catch (err) {
    if (!(err instanceof NotEnoughUnitsError)) throw err;
    process.stderr.write(
      `sim: --units ${err.requested}, but ${dir} has only ${err.available} tracked units.\n` +
        `Generate a larger roster, then point both the simulator and the server at it:\n` +
        `  pnpm --filter @ccr/simulator generate-jurisdiction --load-units ${err.requested} --out /tmp/ccr-load\n` +
        `  JURISDICTION_DIR=/tmp/ccr-load pnpm start      # the server must know the L-… units\n` +
        `  pnpm sim --jurisdiction /tmp/ccr-load --units ${err.requested} --no-devices\n`,
    );
    return 2;
  }
  // The seeded history's rate for the simulated day (season, weekday, trend), so the demo's own incidents continue
  // the history instead of jumping away from it; --incidents-per-hour overrides.
  const stationZone = process.env.TIME_ZONE || jurisdiction.station.timeZone || 'Asia/Shanghai';
  const incidentsPerHour = o.incidentsPerHour ?? liveIncidentsPerHour(localDayOf(o.simStartMs ?? Date.now(), stationZone));
  let fleet: DeviceFleet | undefined;
  const simulation = (startMs: number): Simulation => {
    const sim = createSimulation({
      jurisdiction, seed: o.seed, startMs, rateHz: o.rateHz, timeScale: o.timeScale,
      ...(o.simStartMs !== undefined ? { simStartMs: o.simStartMs } : {}),
      ...(o.units !== undefined ? { unitCount: o.units } : {}),
      incidentsPerHour,
      ...(o.serviceMinutes !== undefined ? { serviceMinutes: o.serviceMinutes } : {}),
      firstSequence: (day) => (lastSequence.get(day) ?? 0) + 1,
    });
    if (!o.devices) return sim;
    // Every driven unit has a terminal, and so has every fixed place (minimum emergency units are alerted).
    const fixed = jurisdiction.units.filter((u) => !isMobileKind(u.kind)).map((u) => u.id);
    const unitIds = [...sim.units.map((u) => u.id), ...fixed];
    log(`devices: ${unitIds.length} unit terminals logging in at ${o.serverUrl}`);
    // Officers answer community tasks on the same terminals: accept, then report back before (now and then after) the due time.
    const homes = new Map(jurisdiction.units.flatMap((u) => (u.home ? [[u.id, { lng: u.home[0], lat: u.home[1] }] as const] : [])));
    const station = { lng: jurisdiction.station.center[0], lat: jurisdiction.station.center[1] };
    const onTask = officerAnswers(createRng(o.seed).fork('officer-tasks'), o.timeScale, (unitId) => homes.get(unitId) ?? station);
    // Emergency units' leaders answer call-outs and roll-calls (some late, some never: responder-behaviour.ts).
    const places = new Map(jurisdiction.units.filter((u) => u.kind === 'emergency_unit').map((u) => [u.id, u]));
    const answers = createRng(o.seed).fork('responders');
    const onCallOut = (order: DeviceOrder) => {
      const u = places.get(order.unitId);
      if (!u) return null;
      const d = u.home ? haversineMeters(u.home, [order.incident.lng, order.incident.lat]) : 300;
      return callOutPlan(answers, o.timeScale, d, u.members ?? 0);
    };
    const onRollCall = (unitId: string, n: RollCallNotice) => rollCallPlan(answers, unitId, Math.max(0, n.dueAt - Date.now()), places.get(unitId)?.members ?? 0);
    // Grid officers and emergency units told of a search (协查) answer it as the volunteers do.
    const searching = createRng(o.seed).fork('unit-searches');
    const onSearch = (_unitId: string, n: SearchNotice) => searchAnswerPlan(searching, o.timeScale, n, n.radiusM);
    const obeying = obeyOrders(sim, { serverUrl: o.serverUrl, secret: o.deviceSecret, unitIds, log, onTask, onCallOut, onRollCall, onSearch });
    fleet = obeying.fleet;
    return obeying.simulation;
  };

  const meanRate = incidentsPerHour;
  log(
    `sim: ${jurisdiction.station.name}, ${unitCount} units at ${o.rateHz} Hz, seed ${o.seed}, ` +
      `time ×${o.timeScale}, incidents ~${meanRate.toFixed(1)}/h by hour of day → ${redactUrl(o.redisUrl)} ` +
      `(${o.redisCluster ? `Redis Cluster, names under ${keyBase({ keyPrefix: o.prefix, cluster: true })}` : `prefix ${o.prefix}`})`,
  );

  const stop = new AbortController();
  const onSignal = (name: string) => (): void => {
    if (stop.signal.aborted) {
      log(`${name} again: exiting now`);
      process.exit(130);
    }
    log(`${name}: stopping`);
    stop.abort();
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));

  // The demo's dispatcher: an HTTP client of the server like a person at /dispatch (people get first go).
  let dispatcher: AutoDispatcher | undefined;
  if (o.autoDispatch) {
    // The server's targets (the same RESPONSE_TARGETS setting), so the grace is a share of each.
    const t = autoDispatchTimings(o.autoDispatch.afterS, o.timeScale, parseResponseTargets(process.env.RESPONSE_TARGETS));
    if (!o.devices) log('auto-dispatch: without unit terminals (--no-devices) dispatched units never drive to the scene');
    dispatcher = startAutoDispatcher({
      serverUrl: o.serverUrl, password: o.autoDispatch.password, rng: createRng(o.seed).fork('auto-dispatch'), log, ...t,
    });
  }

  // The demo's community leader works the dispute and task loops beside the dispatcher.
  let community: AutoCommunity | undefined;
  // …and a duty leader calls the roll of the emergency units and broadcasts searches for missing people.
  let responders: AutoResponders | undefined;
  if (o.autoDispatch) {
    community = startAutoCommunity({ serverUrl: o.serverUrl, password: o.autoDispatch.password, rng: createRng(o.seed).fork('auto-community'), timeScale: o.timeScale, log });
    responders = startAutoResponders({ serverUrl: o.serverUrl, password: o.autoDispatch.password, rng: createRng(o.seed).fork('auto-responders'), timeScale: o.timeScale, log });
  }
  // A few dozen volunteers on their phones acknowledge the searches and report sightings.
  let volunteers: VolunteerFleet | undefined;
  if (o.devices && o.volunteers > 0 && jurisdiction.volunteers?.length) {
    volunteers = startVolunteerFleet({
      serverUrl: o.serverUrl, secret: o.deviceSecret, volunteers: pickVolunteers(jurisdiction.volunteers, o.volunteers),
      rng: createRng(o.seed).fork('volunteers'), timeScale: o.timeScale, log,
    });
  }

  const keys = ingestKeys(o.prefix, o.redisCluster);
  await runProducer({
    redisUrl: o.redisUrl,
    prefix: o.prefix,
    cluster: o.redisCluster,
    simulation,
    rateHz: o.rateHz,
    signal: stop.signal,
    log,
    ...(o.durationS !== undefined ? { durationS: o.durationS } : {}),
    summaryExtra: () => {
      const s = fleet?.stats();
      const d = dispatcher?.stats();
      const line = (s ? `, terminals ${s.connected}/${s.sessions} connected, ${s.ordersReceived} orders, ${s.reportsSent} reports` : '') +
        (d ? `, auto-dispatch ${d.dispatched} dispatched, ${d.closed} closed${d.stopped ? ' (stopped)' : ''}` : '') +
        (s ? `, tasks ${s.tasksReceived} received, ${s.taskFeedbackSent} reported` : '') +
        (community ? `, community ${community.stats().steps} steps, ${community.stats().orders} orders` : '') +
        (s ? `, call-outs ${s.callOutsComing} coming/${s.callOutsCannot} can't/${s.callOutArrivals} arrived, roll-calls ${s.rollCallsAnswered}/${s.rollCallsReceived} answered` : '') +
        (s ? `, unit 协查 ${s.searchesAcknowledged}/${s.searchesReceived} acknowledged, ${s.searchSightings} sightings` : '') +
        (responders ? `, ${responders.stats().rollCalls} 点名, ${responders.stats().searches} 协查 (${responders.stats().found} found)` : '');
      const v = volunteers?.stats();
      return line + (v ? `, volunteers ${v.connected}/${v.sessions} connected, ${v.acknowledged} acks, ${v.sightings} sightings` : '');
    },
    onFirstConnect: async (redis) => {
      for (const [day, seq] of await lastIncidentSequences(redis, keys.incidents)) lastSequence.set(day, seq);
      if (lastSequence.size > 0) {
        const [day, seq] = [...lastSequence].sort((a, b) => b[0].localeCompare(a[0]))[0]!;
        log(`continuing incident numbers after JQ-${day}-${String(seq).padStart(4, '0')}`);
      }
    },
  });
  await dispatcher?.close();
  await community?.close();
  await responders?.close();
  volunteers?.close();
  fleet?.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`sim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
