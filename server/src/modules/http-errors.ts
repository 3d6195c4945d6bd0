// How the HTTP API answers what it refuses and what fails: one shape, `{ error, message, … }`, for every route.
// Schema refusals are 400s naming the field; an unexpected failure is a 500 naming only a request id (the error
// itself goes to the log); Redis away is a 503. No dependency's own message reaches a client.
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ClientClosedError, ClientOfflineError, ConnectionTimeoutError, DisconnectsClientError, ReconnectStrategyError,
  SocketClosedUnexpectedlyError, SocketTimeoutError,
} from 'redis';

export const NotFoundSchema = Type.Object({ error: Type.Literal('not_found'), message: Type.String() });

export function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).send({ error: 'not_found' as const, message });
}

/** The body of every refusal and failure. Routes that document a 400 use this (or a schema with these fields). */
export const ApiErrorSchema = Type.Object({
  error: Type.String(),
  message: Type.String(),
  /** The refused field when a schema refused the request, e.g. /querystring/limit. */
  path: Type.Optional(Type.String()),
  /** Names the server's log entry of an unexpected failure (500, 503). */
  requestId: Type.Optional(Type.String()),
});

const clip = (s: string, n = 200): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** A schema refusal as the client sees it: the first reason, in both languages, with the field it concerns. */
export function validationBody(err: FastifyError): { error: 'invalid_request'; message: string; path: string } {
  const first = err.validation?.[0];
  const params = first?.params ?? {};
  // ajv names an unknown or missing property in params, not in the path.
  const property = params.additionalProperty ?? params.missingProperty;
  const path = clip(`/${err.validationContext ?? 'request'}${first?.instancePath ?? ''}${typeof property === 'string' ? `/${property}` : ''}`, 120);
  const reason = clip(first?.message ?? err.message);
  return { error: 'invalid_request', message: `请求无效 / invalid request: ${path} ${reason}`, path };
}

/** node-redis errors that mean "Redis cannot be reached now" rather than "this command was wrong". */
export function isRedisUnavailable(err: unknown): boolean {
  return err instanceof ClientClosedError || err instanceof ClientOfflineError || err instanceof ConnectionTimeoutError ||
    err instanceof DisconnectsClientError || err instanceof ReconnectStrategyError || err instanceof SocketClosedUnexpectedlyError ||
    err instanceof SocketTimeoutError || (err instanceof Error && err.message === 'redis not ready');
}

const CLIENT_ERRORS: Record<number, [code: string, zh: string, en: string]> = {
  400: ['bad_request', '请求无效', 'bad request'],
  401: ['unauthorized', '需要登录', 'unauthorized'],
  403: ['forbidden', '无权访问', 'forbidden'],
  404: ['not_found', '未找到', 'not found'],
  405: ['method_not_allowed', '不支持的方法', 'method not allowed'],
  406: ['not_acceptable', '无法提供所需格式', 'not acceptable'],
  411: ['length_required', '缺少长度', 'length required'],
  413: ['too_large', '请求体过大', 'request body too large'],
  415: ['unsupported_media_type', '不支持的内容类型', 'unsupported content type'],
  429: ['rate_limited', '请求过于频繁', 'too many requests'],
};

type AnyError = FastifyError & { error?: unknown };

/**
 * The app's error handler (app.setErrorHandler). Scoped handlers (statistics, dispatch, recommendations) count or
 * audit their refusals and rethrow, so the answer is always made here.
 */
export function apiErrorHandler(app: FastifyInstance) {
  const metrics = () => (app.hasDecorator('metrics') ? app.metrics : undefined);
  return function handle(err: AnyError, req: FastifyRequest, reply: FastifyReply) {
    const route = req.routeOptions.url ?? 'none';
    if (err.validation) {
      const body = validationBody(err);
      metrics()?.httpRejected.inc({ route, part: err.validationContext ?? 'request' });
      return reply.code(400).send(body);
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status < 500) {
      const [code, zh, en] = CLIENT_ERRORS[status] ?? [`http_${status}`, '请求被拒绝', 'refused'];
      // Our own refusals carry a code and a two-language message; Fastify's and parsers' (bad JSON, wrong content
      // type, too large) carry an English one, given a two-language lead.
      const own = typeof err.error === 'string' || (!(typeof err.code === 'string' && err.code.startsWith('FST_')) && !(err instanceof SyntaxError));
      const message = own ? clip(String(err.message ?? en), 500) : `${zh} / ${en}: ${clip(String(err.message))}`;
      return reply.code(status).send({ error: typeof err.error === 'string' ? err.error : code, message });
    }
    const redis = app.hasDecorator('redis') ? app.redis.command : undefined;
    if (isRedisUnavailable(err) || (redis && !redis.isReady)) {
      metrics()?.httpFailed.inc({ route, status: '503' });
      req.log.warn({ err, route }, 'request failed: redis unavailable');
      return reply.code(503).send({
        error: 'unavailable', message: `数据服务暂不可用，请稍后重试 / the data store is unavailable, retry shortly (request ${req.id})`, requestId: req.id,
      });
    }
    metrics()?.httpFailed.inc({ route, status: '500' });
    req.log.error({ err, route }, 'request failed');
    return reply.code(500).send({
      error: 'internal', message: `服务器内部错误，已记录（请求 ${req.id}） / internal error, logged as request ${req.id}`, requestId: req.id,
    });
  };
}
