// The app's error handler on its own: what each kind of failure answers, and that the cause stays in the log.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorReply, SocketClosedUnexpectedlyError } from 'redis';
import { QueryInteger, finiteKeyword, refusal } from '@ccr/shared';
import { apiErrorHandler, refusalError } from './http-errors.js';

async function appWith(logs: string[]) {
  const stream = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const app = Fastify({ logger: { level: 'info', stream }, ajv: { customOptions: { removeAdditional: false, keywords: [finiteKeyword] } } });
  app.setErrorHandler(apiErrorHandler(app));
  app.get('/q', { schema: { querystring: Type.Object({ limit: Type.Optional(QueryInteger({ minimum: 1, maximum: 10 })) }, { additionalProperties: false }) } }, async () => ({ ok: true }));
  app.post('/b', { schema: { body: Type.Object({ name: Type.String({ maxLength: 4 }) }, { additionalProperties: false }) } }, async () => ({ ok: true }));
  app.get('/redis-said-no', async () => { throw new ErrorReply('ERR value is not an integer or out of range'); });
  app.get('/redis-gone', async () => { throw new SocketClosedUnexpectedlyError(); });
  app.get('/bug', async () => { throw new TypeError("Cannot read properties of undefined (reading 'x')"); });
  app.get('/ours', async () => { throw refusalError(401, refusal('account_changed', {}, 'the account changed: log in again')); });
  app.get('/limited', async () => { throw { statusCode: 429, error: 'rate_limited', params: { seconds: 7 }, message: 'too many requests' }; });
  await app.ready();
  return app;
}

describe('apiErrorHandler', () => {
  it('answers a schema refusal with 400, the reason and the field (code invalid_request, params path and reason)', async () => {
    const app = await appWith([]);
    for (const [url, path] of [['/q?limit=1e309', '/querystring/limit'], ['/q?limit=Infinity', '/querystring/limit'], ['/q?limit=-0', '/querystring/limit'], ['/q?limit=11', '/querystring/limit'], ['/q?lmit=1', '/querystring/lmit']] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: 'invalid_request', path, params: { path, reason: expect.any(String) }, message: expect.stringMatching(/^invalid request: \/querystring\/l/) });
    }
    const body = await app.inject({ method: 'POST', url: '/b', payload: { name: 'toolong' } });
    expect(body.json()).toMatchObject({ error: 'invalid_request', path: '/body/name' });
  });

  it('keeps a parser refusal a 4xx, its English reason as a param', async () => {
    const app = await appWith([]);
    const bad = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'bad_request', params: { reason: expect.stringMatching(/JSON|Unexpected|end/i) }, message: expect.stringMatching(/^bad request: /) });
    const proto = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1},"name":"a"}' });
    expect(proto.statusCode).toBe(400);
    const type = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    expect(type.statusCode).toBe(415);
    expect(type.json()).toMatchObject({ error: 'unsupported_media_type', params: {} });
  });

  it('answers an unexpected failure with a generic 500 naming only the request id, and logs the cause', async () => {
    const logs: string[] = [];
    const app = await appWith(logs);
    for (const url of ['/redis-said-no', '/bug']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(500);
      const body = res.json<{ error: string; message: string; requestId: string }>();
      expect(body).toMatchObject({ error: 'internal', params: {} });
      expect(body.message).toContain(body.requestId);
      expect(res.body).not.toMatch(/ERR|integer|Cannot read|TypeError/);
      expect(logs.join('\n')).toContain(body.requestId);
    }
    expect(logs.join('\n')).toContain('ERR value is not an integer or out of range');
    expect(logs.join('\n')).toContain('Cannot read properties of undefined');
  });

  it('answers 503 when Redis cannot be reached, and keeps our own 4xx refusals as they are', async () => {
    const app = await appWith([]);
    const gone = await app.inject({ url: '/redis-gone' });
    expect(gone.statusCode).toBe(503);
    expect(gone.json()).toMatchObject({ error: 'unavailable', requestId: expect.any(String) });
    expect(gone.body).not.toMatch(/socket|closed/i);
    const ours = await app.inject({ url: '/ours' });
    expect(ours.statusCode).toBe(401);
    expect(ours.json()).toEqual({ error: 'account_changed', params: {}, message: 'the account changed: log in again' });
    const limited = await app.inject({ url: '/limited' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ error: 'rate_limited', params: { seconds: 7 }, message: 'too many requests' });
  });
});
