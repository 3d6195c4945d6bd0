// Lua for the incident ingest stream (run inside Redis so that a huge entry never crosses the network), node
// presence and the position shard leases. Each script is a .lua file beside this one; its header says its KEYS,
// ARGV and answer.
import { LuaScript } from '../../plugins/lua-script.js';

const script = (name: string, file: string): LuaScript => LuaScript.fromFile(name, new URL(`./${file}`, import.meta.url));

/** Entries read for a consumer of the group and screened inside Redis (IngestRepository.readScreened). */
export const READ_SCREENED = script('readScreened', 'read-screened.lua');
/** A refused entry sampled, acknowledged and deleted in one step. */
export const REFUSE_ENTRY = script('refuseEntry', 'refuse-entry.lua');
/** A node's presence under its NODE_ID, held while renewed by the process holding its token. */
export const HOLD_PRESENCE = script('holdPresence', 'hold-presence.lua');
/** The presence let go of, if this process holds it. */
export const RELEASE_PRESENCE = script('releasePresence', 'release-presence.lua');
/** A node's turn at the position shard leases (position-shards.ts). */
export const SHARD_LEASE = script('shardLease', 'shard-lease.lua');
