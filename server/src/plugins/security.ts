// HTTP hardening: security headers (helmet, with a CSP the built client and /docs run under), rate limits in
// Redis (per client address for every route, stricter per address and username for logins), and CORS limited
// to the server's own origin plus CORS_ORIGINS. Registered first, so every route is covered.
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import cors from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import { RedisRateLimitRepository } from './rate-limit-repository.js';
import { refusal } from '@ccr/shared';
import { refusalError } from '../modules/http-errors.js';
import type { Keyspace } from './keyspace.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts one login attempt for (client address, name); returns the wait when over the limit. `perAddress:
     *  false` leaves out the cap over all names from one address (device logins: see the route). */
    loginRateLimit(req: FastifyRequest, name: string, how?: { perAddress?: boolean }): Promise<{ retryAfterS: number } | null>;
  }
}

export interface SecurityOptions {
  keyspace: Keyspace;
  corsOrigins: string[];
  rateLimitPerMinute: number;
  loginRateLimitPerMinute: number;
}

const MINUTE = 60_000;
/** Logins per minute from one address, over all names, as a multiple of the per-name limit (a NAT'd room of consoles). */
const LOGINS_PER_ADDRESS_FACTOR = 5;

/** Same origin (the Origin's host is the Host the request came to) or one of the allowed origins. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return true; // not a browser's cross-origin request
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export const securityPlugin = fp<SecurityOptions>(
  async (app, opts) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // Swagger UI inlines <style>, ECharts tooltips carry style attributes in their HTML; scripts stay strict.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'", ...opts.corsOrigins],
          workerSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          upgradeInsecureRequests: null, // the demo and many station LANs are plain HTTP
        },
      },
      // Over plain HTTP on a LAN an HSTS header would lock browsers out of the demo.
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    });

    await app.register(cors, {
      delegator: (req, cb) => {
        const origin = req.headers.origin;
        const ok = originAllowed(origin, req.headers.host, opts.corsOrigins);
        cb(null, { origin: ok && origin ? origin : false, credentials: false, methods: ['GET', 'POST', 'PUT', 'DELETE'], allowedHeaders: ['Authorization', 'Content-Type'] });
      },
    });

    const limits = new RedisRateLimitRepository(() => app.redis.command, opts.keyspace);
    await app.register(rateLimit, {
      global: false,
      store: limits.storeClass(MINUTE),
      skipOnError: true, // Redis away: serve (auth fails closed on its own) rather than refuse everything
      // An Error, not a plain object: a plain object thrown from a hook reaches a route's scoped error handler and,
      // rethrown to the app's, was serialised against the route's 200 schema (a 500 instead of a 429).
      errorResponseBuilder: (_req, ctx) => refusalError(ctx.statusCode,
        refusal('rate_limited', { seconds: Math.max(1, Math.ceil(ctx.ttl / 1000)) }, `too many requests: retry in ${ctx.after}`)),
    });
    const everyRoute = app.rateLimit({ max: opts.rateLimitPerMinute, timeWindow: MINUTE, keyGenerator: (req) => `all:${req.ip}` });
    // A root hook added before the auth module's, so a flood is limited before any session lookup or audit write.
    app.addHook('onRequest', everyRoute);

    app.decorate('loginRateLimit', async (req: FastifyRequest, name: string, how: { perAddress?: boolean } = {}) => {
      try {
        // Per name (guessing one password) and per address (each attempt costs a slow hash, even for unknown names).
        const [one, all] = await Promise.all([
          limits.hit(`login:${req.ip}:${name}`, MINUTE),
          how.perAddress === false ? { current: 0, ttl: 0 } : limits.hit(`login-ip:${req.ip}`, MINUTE),
        ]);
        const over = [one.current > opts.loginRateLimitPerMinute ? one.ttl : 0, all.current > LOGINS_PER_ADDRESS_FACTOR * opts.loginRateLimitPerMinute ? all.ttl : 0];
        const ttl = Math.max(...over);
        return ttl > 0 ? { retryAfterS: Math.max(1, Math.ceil(ttl / 1000)) } : null;
      } catch (err) {
        app.log.warn({ err: (err as Error).message }, 'login rate limit unavailable');
        return null;
      }
    });
  },
  { name: 'security' },
);
