// Error sentences a dispatcher reads, and what counts as safe to retry.
import { describe, expect, it } from 'vitest';
import { ApiError, describeError, request, serverMessage } from './api';

describe('api errors', () => {
  it('names who holds a unit on a 409', () => {
    const body = { error: 'unit_unavailable', message: 'x / x', unitId: 'P-03', heldByIncidentId: 'JQ-20261123-0042', heldBy: 'dispatcher' };
    expect(describeError(409, body)).toBe('P-03 已被 JQ-20261123-0042 调派（dispatcher）');
    expect(describeError(409, { error: 'unit_unavailable', message: 'x', unitId: 'P-04', unitStatus: 'off_duty' })).toBe('P-04 当前下勤，不能调派');
  });

  it('says wrong password, locked until when, and how long to wait when rate-limited', () => {
    expect(describeError(401, { error: 'bad_credentials', message: '用户名或密码错误 / wrong username or password' })).toBe('用户名或密码错误');
    const until = new Date(2026, 10, 23, 9, 41).getTime();
    expect(describeError(423, { error: 'account_locked', message: '账户已锁定 / locked', lockedUntil: until })).toBe('账号已锁定，请于 09:41:00 后再试');
    // The unlock time in the station's zone, as the server names it, whatever this browser's zone: never UTC ISO.
    const at = Date.parse('2026-12-04T14:10:20.647Z');
    const body = { error: 'account_locked', code: 'account_locked', params: { until: at, timeZone: 'Asia/Shanghai' }, message: 'x', lockedUntil: at };
    expect(describeError(423, body)).toBe('账号已锁定，请于 22:10:20 后再试');
    expect(describeError(423, body, 'en')).toBe('Account locked until 22:10:20');
    expect(describeError(423, { ...body, params: { until: at, timeZone: 'Europe/London' } }, 'en')).toBe('Account locked until 14:10:20');
    expect(describeError(429, { error: 'rate_limited', message: '登录尝试过于频繁，请 42 秒后再试 / retry in 42 s' })).toBe('登录尝试过于频繁，请 42 秒后再试');
  });

  it('shows the Chinese half of the server message, the English half in English', () => {
    expect(serverMessage('不允许从 已办结 到 已派警 / cannot go from closed to dispatched', 'zh-CN')).toBe('不允许从 已办结 到 已派警');
    expect(serverMessage('不允许 / not allowed', 'en')).toBe('not allowed');
    expect(describeError(409, { error: 'illegal_transition', message: '不允许从 已办结 到 已派警 / no' })).toBe('不允许从 已办结 到 已派警');
    expect(describeError(400, { error: 'bad_request', message: '缺少 unitIds / missing unitIds' })).toBe('请求内容有误：缺少 unitIds');
  });

  it('marks unreachable servers and gateway errors retryable, and refusals not', async () => {
    const down = request('/api/x', { fetchImpl: () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(down).rejects.toMatchObject({ status: 0, code: 'network', retryable: true });
    const gateway = request('/api/x', { fetchImpl: () => Promise.resolve(new Response('', { status: 503 })) });
    await expect(gateway).rejects.toMatchObject({ status: 503, retryable: true });
    const conflict = request('/api/x', { fetchImpl: () => Promise.resolve(new Response(JSON.stringify({ error: 'unit_unavailable', message: 'm', unitId: 'P-1' }), { status: 409 })) });
    await expect(conflict).rejects.toBeInstanceOf(ApiError);
    await expect(conflict).rejects.toMatchObject({ status: 409, code: 'unit_unavailable', retryable: false });
  });
});
