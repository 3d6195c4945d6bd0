// Every Redis key and channel of a deployment, by name and typed parameters: the one place they are built (a test,
// keyspace-scan.test.ts, refuses a key built from the prefix anywhere else). Built once from KEY_PREFIX and
// REDIS_CLUSTER (config.ts) and handed to every repository.
//
// Hash tags. On a Redis Cluster a script or a MULTI may only touch keys of one slot. The scripts here cross
// modules: the dispatch commit (dispatch-commit.lua) writes incidents, unit statuses, dispatch orders, statistics
// buckets and the live event stream at once; the packed plan (plan-commit.lua) writes community or volunteer
// documents, figure counters, terminal notices and the same event stream; nearly every script appends to that
// stream. So, for now, the whole deployment is one hash tag: with REDIS_CLUSTER the base `ccr:` becomes `{ccr}:`,
// every name keeps its shape after it, and all of them share one slot (Cluster then buys failover and one
// client for every topology, not spread of load). Without the setting (a single Redis, Sentinel) no tag is added
// and every name is exactly what it was before this module, so nothing already stored is lost.
//
// What could be split later, each under its own tag, without breaking a script: the position shards and per-unit
// position keys once positions leave the live hashes (the apply path would then append to a per-shard stream, not
// the one event stream); auth (accounts, sessions, failures: only auth's own scripts and MULTIs touch them);
// rate-limit counters and node presence (one key per call); the audit log. Each group below says which keys are
// touched together.
//
// Channels (pub/sub) are named here too: on a Cluster classic PUBLISH reaches every node whatever the name, so
// the tag costs nothing; keeping them under the same base keeps one rule for the ingest contract.

import { keyBase, type KeyspaceSettings } from '@ccr/shared';

// keyBase lives in @ccr/shared so that a producer (the simulator) tags its ingest names exactly as the server does.
export { keyBase, type KeyspaceSettings };

export class Keyspace {
  /** The base every name starts with (see keyBase). */
  readonly base: string;

  /**
   * The live picture (live-repository.ts, live-scripts). The position apply touches units, status, pos, posTs, geo,
   * seen, stale, events, presence and presenceScore together (the last two: patrol units counting for
   * presence, live/presence-index.ts; the stale marking and the dispatch commit's status changes move them too) and
   * unitCounts (moved with every status or staleness change: the apply, the stale marking, the dispatch commit);
   * tracked is kept by the roster sync (the apply is told which units are tracked by the server, from the roster);
   * an incident commit its incident, open, byTime, events and statistics
   * buckets; the snapshot read units, status, pos, stale, frozen, open, events, the day's statistics and every open
   * incident. The dispatch commit adds these to its own (see dispatch).
   */
  readonly live: {
    units: string; status: string; pos: string; posTs: string; geo: string; seen: string; stale: string; tracked: string;
    frozen: string; events: string; open: string; byTime: string;
    /** Patrol units counting for presence now, scored by grid and fix time (a zset); their last score (a hash). */
    presence: string; presenceScore: string;
    /** The overview's unit figures kept at write time (live-prelude.lua, unitCountsMove): a hash of counters. */
    unitCounts: string;
    incident(id: string): string;
    /** A named lease between server nodes (holdLease); `lock('')` is the leases' common stem. */
    lock(name: string): string;
  };

  /**
   * Statistics (modules/stats/). Buckets are hashes of counters named by the modules that count (stats-buckets.ts:
   * `stats:day:<date>`, `stats:hour:<hour>`, `stats:resp:<period>`; stats-repository.ts: the presence buckets
   * `stats:presence:<hour>`, `stats:presence-day:<day>` and their markers; the ETA ledger's `eta:day:<date>`), put under
   * the base here by `bucket`. They move in the same script as the write they count (incident, dispatch and plan
   * commits), so they live with the live keys. Scripts of stats' own: add-presence.lua touches a marker bucket
   * (`stats:presence-slots:<day>` or `stats:presence-history`), an hour and a day presence bucket and
   * `presenceLastVisit` together; announce-kpi.lua `kpiLast` with the live event stream; judge-responses.lua one
   * response bucket; month-responses.lua a month's response bucket with its days'; response-figures.lua day and
   * month response buckets (planting a bucket's rank tree when it has none); read-fields.lua any buckets.
   */
  readonly stats: {
    bucket(name: string): string;
    /** Today's incident counts (`stats:day:<YYYY-MM-DD>`), announced on the event stream when they move. */
    day(date: string): string;
    /** Grid → when a patrol unit was last sampled in it (a zset). */
    presenceLastVisit: string;
    /** The KPIs last announced (announce-kpi.lua). */
    kpiLast: string;
    /** What a completed history seeding wrote (pnpm seed:history --once). */
    historySeeded: string;
    /** Set once every response bucket counts within target at write time. */
    responsesJudged: string;
  };

  /**
   * The ingest contract and its housekeeping (ingest-repository.ts). `positions` and `frames` are channels,
   * `incidents` the producers' stream and `rejected` its refused sample (touched together by the refusal script);
   * `nodes` and the `shard(i)` leases are touched together by the shard lease script; `node(id)` alone.
   */
  readonly ingest: {
    positions: string; frames: string; incidents: string; rejected: string;
    node(nodeId: string): string;
    nodes: string;
    shard(i: number): string;
  };

  /**
   * Dispatch state (dispatch-repository.ts). The dispatch commit touches assignments, pendingOrders, command(id),
   * orders(unit) and alerted(incident) with the live keys and statistics buckets; an acknowledgement touches
   * orders(unit), pendingOrders and acknowledged(unit). `orderChannel` is a channel.
   */
  readonly dispatch: {
    assignments: string; pendingOrders: string; orderChannel: string;
    command(id: string): string;
    orders(unitId: string): string;
    acknowledged(unitId: string): string;
    alerted(incidentId: string): string;
  };

  /**
   * The community team's loops (community-repository.ts). One packed plan commit writes documents, indexes, day,
   * week and month counters, notices and the live event stream together.
   */
  readonly community: {
    disputesByTime: string; disputesOpen: string; disputesOpenMay: string; tasksByDue: string; tasksOpen: string;
    noticesPending: string; noticeChannel: string;
    dispute(id: string): string;
    task(id: string): string;
    unitTasks(unitId: string): string;
    notices(unitId: string): string;
    command(id: string): string;
    repeat(fingerprint: string): string;
    seq(kind: string, day: string): string;
    disputeDay(day: string): string;
    taskDay(day: string): string;
    disputeMonth(month: string): string;
    taskMonth(month: string): string;
    /** The same counters per Monday-based week (the Monday's day key), moved in the same commit as the day's. */
    disputeWeek(monday: string): string;
    taskWeek(monday: string): string;
    /** Weeks whose counters are known to hold every write (`disputes:<monday>` / `tasks:<monday>`, a set):
     *  community-weeks.lua rebuilds any other from its days first, then adds it, touching the set, the week
     *  and its seven days together. */
    weeksBuilt: string;
  };

  /** Volunteers' clues, searches and school-gate posts (volunteers-repository.ts): packed plan commits as community. */
  readonly volunteers: {
    cluesAll: string; cluesOpen: string; clueCounts: string; searchesActive: string; here: string;
    clue(id: string): string;
    search(id: string): string;
    command(id: string): string;
    guard(day: string): string;
    seq(kind: string, day: string): string;
    /** Public clue limits (single keys, a MULTI on one): per address per hour, per phone hash per day, per text hash. */
    publicByAddress(address: string, hour: number): string;
    publicByPhone(phoneHash: string, day: number): string;
    publicText(textHash: string): string;
    /** The search notices' inbox (delivery/inbox.ts): a box per recipient, its pending index and its channel. */
    inboxBox(recipient: string): string;
    inboxPending: string;
    inboxChannel: string;
  };

  /** Call-out clocks of emergency units (responders/callout.ts): the open and report scripts touch a call-out, its
   *  day counts, report records and the live event stream. */
  readonly callout: {
    incident(incidentId: string): string;
    day(day: string): string;
    report(unitId: string, reportId: string): string;
  };

  /** Roll-calls (responders/rollcall.ts): start, answer and close touch a roll-call with readiness, open, misses,
   *  flagged and its command record; `channel` is a channel. */
  readonly rollcall: {
    readiness: string; open: string; misses: string; flagged: string; channel: string;
    call(id: string): string;
    command(commandId: string): string;
  };

  /** Accounts and sessions (auth-repository.ts): an account with the account list, a session with its user's list.
   *  The two revocation names are channels. */
  readonly auth: {
    account(username: string): string;
    accounts: string;
    session(hash: string): string;
    sessionsOf(username: string): string;
    unknown(username: string): string;
    refusals(address: string, minute: number): string;
    revocations: string;
    revocationsDone: string;
  };

  /** The audit log, a stream (audit-repository.ts). */
  readonly audit: { log: string };

  /** Response-target breaches (targets-repository.ts): one breach key with the live event stream. */
  readonly targets: { breached(incidentId: string, target: string): string };

  /** The ETA ledger (recommendation/eta-accuracy-repository.ts); its day buckets are statistics buckets. */
  readonly eta: { calibration: string };

  /** Request rate-limit counters (plugins/rate-limit-repository.ts), one key per call. */
  readonly rateLimit: { hits(key: string): string };

  constructor(settings: KeyspaceSettings) {
    const b = keyBase(settings);
    this.base = b;
    this.live = {
      units: `${b}units`, status: `${b}unit:status`, pos: `${b}unit:pos`, posTs: `${b}unit:pos-ts`, geo: `${b}unit:geo`,
      seen: `${b}unit:seen`, stale: `${b}unit:stale`, tracked: `${b}unit:tracked`, frozen: `${b}unit:frozen`,
      events: `${b}events`, open: `${b}incidents:open`, byTime: `${b}incidents:by-time`,
      presence: `${b}unit:presence`, presenceScore: `${b}unit:presence-score`, unitCounts: `${b}unit:counts`,
      incident: (id) => `${b}incident:${id}`,
      lock: (name) => `${b}lock:${name}`,
    };
    this.stats = {
      bucket: (name) => `${b}${name}`,
      day: (date) => `${b}stats:day:${date}`,
      presenceLastVisit: `${b}stats:presence:last-visit`,
      kpiLast: `${b}stats:kpi:last`,
      historySeeded: `${b}stats:history:seeded`,
      responsesJudged: `${b}stats:responses-judged`,
    };
    this.ingest = {
      positions: `${b}in:positions`, frames: `${b}live:frames`, incidents: `${b}in:incidents`, rejected: `${b}in:incidents:rejected`,
      node: (nodeId) => `${b}node:${nodeId}`,
      nodes: `${b}ingest:nodes`,
      shard: (i) => `${b}ingest:shard:${i}`,
    };
    this.dispatch = {
      assignments: `${b}dispatch:assignments`, pendingOrders: `${b}dispatch:orders:pending`, orderChannel: `${b}dispatch:orders`,
      command: (id) => `${b}dispatch:cmd:${id}`,
      orders: (unitId) => `${b}dispatch:orders:unit:${unitId}`,
      acknowledged: (unitId) => `${b}dispatch:orders:acknowledged:${unitId}`,
      alerted: (incidentId) => `${b}dispatch:alerted:${incidentId}`,
    };
    const c = `${b}community:`;
    this.community = {
      disputesByTime: `${c}disputes:by-time`, disputesOpen: `${c}disputes:open`, disputesOpenMay: `${c}disputes:open-may`,
      tasksByDue: `${c}tasks:by-due`, tasksOpen: `${c}tasks:open`, noticesPending: `${c}notices:pending`, noticeChannel: `${c}notices`,
      dispute: (id) => `${c}dispute:${id}`,
      task: (id) => `${c}task:${id}`,
      unitTasks: (unitId) => `${c}tasks:unit:${unitId}`,
      notices: (unitId) => `${c}notices:unit:${unitId}`,
      command: (id) => `${c}cmd:${id}`,
      repeat: (fingerprint) => `${c}repeat:${fingerprint}`,
      seq: (kind, day) => `${c}seq:${kind}:${day}`,
      disputeDay: (day) => `${c}disputes:day:${day}`,
      taskDay: (day) => `${c}tasks:day:${day}`,
      disputeMonth: (month) => `${c}disputes:month:${month}`,
      taskMonth: (month) => `${c}tasks:month:${month}`,
      disputeWeek: (monday) => `${c}disputes:week:${monday}`,
      taskWeek: (monday) => `${c}tasks:week:${monday}`,
      weeksBuilt: `${c}weeks-built`,
    };
    const v = `${b}vol:`;
    this.volunteers = {
      cluesAll: `${v}clues:all`, cluesOpen: `${v}clues:open`, clueCounts: `${v}clues:counts`, searchesActive: `${v}searches:active`, here: `${v}here`,
      clue: (id) => `${v}clue:${id}`,
      search: (id) => `${v}search:${id}`,
      command: (id) => `${v}cmd:${id}`,
      guard: (day) => `${v}guard:${day}`,
      seq: (kind, day) => `${v}seq:${kind}:${day}`,
      publicByAddress: (address, hour) => `${v}pub:ip:${address}:${hour}`,
      publicByPhone: (phoneHash, day) => `${v}pub:phone:${phoneHash}:${day}`,
      publicText: (textHash) => `${v}pub:text:${textHash}`,
      inboxBox: (recipient) => `${v}inbox:box:${recipient}`,
      inboxPending: `${v}inbox:pending`,
      inboxChannel: `${v}inbox:notices`,
    };
    this.callout = {
      incident: (incidentId) => `${b}callout:${incidentId}`,
      day: (day) => `${b}callout:day:${day}`,
      report: (unitId, reportId) => `${b}callout:cmd:${unitId}:${reportId}`,
    };
    const r = `${b}rollcall:`;
    this.rollcall = {
      // flagged: unit → misses in a row, a hash (the set it was before lives on under the old name `flagged`, unread).
      readiness: `${r}readiness`, open: `${r}open`, misses: `${r}misses`, flagged: `${r}flagged-misses`, channel: `${r}notices`,
      call: (id) => `${r}${id}`,
      command: (commandId) => `${r}cmd:${commandId}`,
    };
    this.auth = {
      account: (username) => `${b}auth:account:${username}`,
      accounts: `${b}auth:accounts`,
      session: (hash) => `${b}auth:session:${hash}`,
      sessionsOf: (username) => `${b}auth:sessions-of:${username}`,
      unknown: (username) => `${b}auth:unknown:${username}`,
      refusals: (address, minute) => `${b}auth:refusals:${address}:${minute}`,
      revocations: `${b}auth:revocations`,
      revocationsDone: `${b}auth:revocations:done`,
    };
    this.audit = { log: `${b}audit` };
    this.targets = { breached: (incidentId, target) => `${b}targets:breached:${incidentId}:${target}` };
    this.eta = { calibration: `${b}eta:calibration` };
    this.rateLimit = { hits: (key) => `${b}ratelimit:${key}` };
  }
}

