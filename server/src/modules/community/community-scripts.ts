// The community module's Lua, kept as .lua files beside this one and loaded once.
import { readFileSync } from 'node:fs';
import { LuaScript } from '../../plugins/lua-script.js';

const lua = (name: string): string => readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');

/** See community-commit.lua for its keys and its packed plan. */
export const COMMIT_COMMUNITY = new LuaScript('commitCommunity', lua('community-commit'));

/**
 * Acknowledges one task notice of one unit (ACK_NOTICE in community-ack.lua).
 * KEYS unit's notice hash, pending-notice index; ARGV unitId, noticeId. Returns 1 when it was pending, 0 otherwise.
 */
export const ACK_NOTICE = new LuaScript('ackTaskNotice', lua('community-ack'));
