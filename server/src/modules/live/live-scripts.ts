// Lua run inside Redis so that live state, statistics and the domain-event stream change together:
// a client that reads a snapshot at sequence S and then applies deltas after S ends exactly where Redis is.
// Each script is a .lua file beside this one; its header says its KEYS, ARGV and answer.
import { LuaScript } from '../../plugins/lua-script.js';

/** Helpers (addEvent, freshnessEventJson, statsEventJson) loaded ahead of the scripts that use them. */
export const LIVE_PRELUDE = new URL('./live-prelude.lua', import.meta.url);

const script = (name: string, file: string, ...preludes: URL[]): LuaScript => LuaScript.fromFile(name, new URL(`./${file}`, import.meta.url), ...preludes);

/** Positions applied latest-wins, a packed batch per call (LiveRepository.applyPositions). */
export const APPLY_POSITIONS = script('applyPositions', 'apply-positions.lua', LIVE_PRELUDE);
/** The overview's unit figures recounted from the roster (LiveRepository.syncRoster). */
export const COUNT_UNITS = script('countUnits', 'count-units.lua', LIVE_PRELUDE);
/** Frozen fixes flagged and unflagged (LiveRepository.updateFrozen). */
export const UPDATE_FROZEN = script('updateFrozen', 'update-frozen.lua');
/** Silent tracked units marked stale (LiveRepository.markStale). */
export const MARK_STALE = script('markStale', 'mark-stale.lua', LIVE_PRELUDE);
/** Compare-and-set of one incident with its indexes, counters and events (LiveRepository.commitIncident). */
export const APPLY_INCIDENT = script('applyIncident', 'apply-incident.lua', LIVE_PRELUDE);
/** A new day's counts announced (LiveRepository.announceToday). */
export const ANNOUNCE_TODAY = script('announceToday', 'announce-today.lua', LIVE_PRELUDE);
/** One consistent read of the live picture, given every open incident's key (LiveRepository.readSnapshot). */
export const READ_SNAPSHOT = script('readSnapshot', 'read-snapshot.lua');
