// The one atomic commit of every dispatch command. Node computes the new incident and unit states purely; this
// script checks that what Node read is still what Redis holds and then writes everything at once, so two
// dispatchers sending the same unit at the same moment cannot both succeed ("atomic in Redis, not
// checked-then-set in Node"), statistics move exactly once, and every screen learns of it from the event stream.
// Each script is a .lua file beside this one; its header says its KEYS, ARGV and answer.
import { LuaScript } from '../../plugins/lua-script.js';
import { LIVE_PRELUDE } from '../live/live-scripts.js';

/** A dispatch command's commit (DispatchRepository.commit): every expectation checked, then every write. */
export const COMMIT_DISPATCH = LuaScript.fromFile('commitDispatch', new URL('./dispatch-commit.lua', import.meta.url), LIVE_PRELUDE);

/** One order of one unit acknowledged (DispatchRepository.acknowledgeOrder). */
export const ACK_ORDER = LuaScript.fromFile('ackOrder', new URL('./ack-order.lua', import.meta.url));
