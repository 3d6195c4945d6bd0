// Error sentences a dispatcher reads, from the catalogue by the server's code and params, and what counts as safe
// to retry.
import { describe, expect, it } from 'vitest';
import { ApiError, describeError, request } from './http';

describe('api errors', () => {
  it('names who holds a unit on a 409, and a unit\'s state by its label', () => {
    const held = { error: 'unit_held', params: { unitId: 'P-03', incidentId: 'JQ-20261123-0042', by: 'dispatcher' }, message: 'unit P-03 is not available' };
    expect(describeError(409, held)).toBe('P-03 已被 JQ-20261123-0042 调派（dispatcher）');
    expect(describeError(409, held, 'en')).toBe('P-03 is already sent to JQ-20261123-0042 (dispatcher)');
    const off = { error: 'unit_unavailable', params: { unitId: 'P-04', status: 'off_duty' }, message: 'x' };
    expect(describeError(409, off)).toBe('P-04 当前下勤，不能调派');
    expect(describeError(409, off, 'zh-CN', { unitId: '巡逻车04' })).toBe('巡逻车04 当前下勤，不能调派');
  });

  it('says wrong password, locked until when, and how long to wait when rate-limited', () => {
    expect(describeError(401, { error: 'bad_credentials', params: {}, message: 'wrong username or password' })).toBe('用户名或密码错误');
    // The unlock time in the station's zone, as the server names it, whatever this browser's zone: never UTC ISO.
    const at = Date.parse('2026-12-04T14:10:20.647Z');
    const body = { error: 'account_locked', params: { until: at, timeZone: 'Asia/Shanghai' }, message: 'x', lockedUntil: at };
    expect(describeError(423, body)).toBe('账号已锁定，请于 22:10:20 后再试');
    expect(describeError(423, body, 'en')).toBe('Account locked until 22:10:20');
    expect(describeError(423, { ...body, params: { until: at, timeZone: 'Europe/London' } }, 'en')).toBe('Account locked until 14:10:20');
    expect(describeError(429, { error: 'rate_limited', params: { seconds: 42 }, message: 'retry in 42 s' })).toBe('请求过于频繁，请 42 秒后再试');
  });

  it('says statuses and subjects by their labels, lists item by item', () => {
    const illegal = { error: 'illegal_transition', params: { subject: 'incident', id: 'JQ-1', from: 'closed', to: 'dispatched' }, message: 'x' };
    expect(describeError(409, illegal)).toBe('当前状态不允许此操作：警情 JQ-1 不能从「已办结」变为「已派警」');
    expect(describeError(409, illegal, 'en')).toBe('Not allowed now: incident JQ-1 cannot go from “Closed” to “Dispatched”');
    expect(describeError(404, { error: 'not_found', params: { subject: 'unit', id: 'P-9' }, message: 'x' }, 'en')).toBe('No unit P-9 (it may have been closed or cancelled)');
    expect(describeError(409, { error: 'feedback_incomplete', params: { id: 'RW-1', missing: 'count,location' }, message: 'x' })).toBe('任务 RW-1 的反馈缺少：数量、位置');
    // a task's statuses by their labels; a value the catalogue has no label for is said as sent
    expect(describeError(409, { error: 'illegal_transition', params: { subject: 'task', id: 'RW-1', from: 'ordered', to: 'done' }, message: 'x' }))
      .toBe('当前状态不允许此操作：任务 RW-1 不能从「已下单」变为「督导通过」');
    expect(describeError(409, { error: 'illegal_transition', params: { subject: 'task', id: 'RW-1', from: 'ordered', to: 'teleported' }, message: 'x' }, 'en'))
      .toBe('Not allowed now: task RW-1 cannot go from “Ordered” to “teleported”');
  });

  it('falls back to the server\'s English message for a code it does not know, and to the status without one', () => {
    expect(describeError(409, { error: 'brand_new_rule', params: {}, message: 'a rule this client predates' })).toBe('请求被拒绝：a rule this client predates');
    expect(describeError(409, { error: 'brand_new_rule', message: 'a rule this client predates' }, 'en')).toBe('Refused: a rule this client predates');
    expect(describeError(502, null)).toBe('服务暂不可用（502），请稍后重试');
    expect(describeError(500, { message: 'oops' })).toBe('服务器出错（500），请稍后重试');
    // a param the server left out is shown as unknown, not as an empty hole
    expect(describeError(409, { error: 'unit_unavailable', params: { unitId: 'P-1' }, message: 'x' })).toBe('P-1 当前?，不能调派');
  });

  it('marks unreachable servers and gateway errors retryable, and refusals not', async () => {
    const down = request('/api/x', { fetchImpl: () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(down).rejects.toMatchObject({ status: 0, code: 'network', retryable: true });
    const gateway = request('/api/x', { fetchImpl: () => Promise.resolve(new Response('', { status: 503 })) });
    await expect(gateway).rejects.toMatchObject({ status: 503, retryable: true });
    const conflict = request('/api/x', { fetchImpl: () => Promise.resolve(new Response(JSON.stringify({ error: 'unit_unavailable', params: { unitId: 'P-1', status: 'busy' }, message: 'm' }), { status: 409 })) });
    await expect(conflict).rejects.toBeInstanceOf(ApiError);
    await expect(conflict).rejects.toMatchObject({ status: 409, code: 'unit_unavailable', retryable: false, message: 'P-1 当前忙碌，不能调派' });
  });
});
