// The app's error handler on its own: what each kind of failure answers, and that the cause stays in the log.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorReply, SocketClosedUnexpectedlyError } from 'redis';
import { QueryInteger, finiteKeyword } from '@ccr/shared';
import { apiErrorHandler } from './http-errors.js';

async function appWith(logs: string[]) {
  const stream = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const app = Fastify({ logger: { level: 'info', stream }, ajv: { customOptions: { removeAdditional: false, keywords: [finiteKeyword] } } });
  app.setErrorHandler(apiErrorHandler(app));
  app.get('/q', { schema: { querystring: Type.Object({ limit: Type.Optional(QueryInteger({ minimum: 1, maximum: 10 })) }, { additionalProperties: false }) } }, async () => ({ ok: true }));
  app.post('/b', { schema: { body: Type.Object({ name: Type.String({ maxLength: 4 }) }, { additionalProperties: false }) } }, async () => ({ ok: true }));
  app.get('/redis-said-no', async () => { throw new ErrorReply('ERR value is not an integer or out of range'); });
  app.get('/redis-gone', async () => { throw new SocketClosedUnexpectedlyError(); });
  app.get('/bug', async () => { throw new TypeError("Cannot read properties of undefined (reading 'x')"); });
  app.get('/ours', async () => { throw Object.assign(new Error('账户已变更，请重新登录 / the account changed: log in again'), { statusCode: 401 }); });
  app.get('/limited', async () => { throw { statusCode: 429, error: 'rate_limited', message: '请求过于频繁 / too many requests' }; });
  await app.ready();
  return app;
}

describe('apiErrorHandler', () => {
  it('answers a schema refusal with 400, the reason and the field, in both languages', async () => {
    const app = await appWith([]);
    for (const [url, path] of [['/q?limit=1e309', '/querystring/limit'], ['/q?limit=Infinity', '/querystring/limit'], ['/q?limit=-0', '/querystring/limit'], ['/q?limit=11', '/querystring/limit'], ['/q?lmit=1', '/querystring/lmit']] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: 'invalid_request', path, message: expect.stringMatching(/^请求无效 \/ invalid request: \/querystring\/l/) });
    }
    const body = await app.inject({ method: 'POST', url: '/b', payload: { name: 'toolong' } });
    expect(body.json()).toMatchObject({ error: 'invalid_request', path: '/body/name' });
  });

  it('keeps a parser refusal a 4xx with a two-language lead', async () => {
    const app = await appWith([]);
    const bad = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/^请求无效 \/ bad request: /) });
    const proto = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1},"name":"a"}' });
    expect(proto.statusCode).toBe(400);
    const type = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    expect(type.statusCode).toBe(415);
    expect(type.json()).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('answers an unexpected failure with a generic 500 naming only the request id, and logs the cause', async () => {
    const logs: string[] = [];
    const app = await appWith(logs);
    for (const url of ['/redis-said-no', '/bug']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(500);
      const body = res.json<{ error: string; message: string; requestId: string }>();
      expect(body.error).toBe('internal');
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
    expect((await app.inject({ url: '/ours' })).json()).toEqual({ error: 'unauthorized', message: '账户已变更，请重新登录 / the account changed: log in again' });
    const limited = await app.inject({ url: '/limited' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'rate_limited' });
  });
});
