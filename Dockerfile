# syntax=docker/dockerfile:1
# Command-room server image: Fastify + Socket.IO server (TypeScript run by tsx) serving the built
# wall display (the default target, runtime). Redis is a separate container (see docker-compose.yml);
# so is the demo simulator (target simulator: @ccr/simulator, which needs nothing of the server's).

FROM node:20-bookworm-slim AS base
RUN npm install -g pnpm@10 && npm cache clean --force
WORKDIR /app

# ── build: full install, build the client ──────────────────────────────────────────────────
FROM base AS build
# manifests first, so the dependency layer is reused while only sources change
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY simulator/package.json simulator/
COPY client/package.json client/
COPY tests/package.json tests/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm --filter @ccr/client build

# ── simulator: production dependencies of @ccr/simulator only, its sources, the demo town's files ──
FROM base AS simulator
ENV NODE_ENV=production
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY simulator/package.json simulator/
COPY client/package.json client/
COPY tests/package.json tests/
RUN pnpm install --frozen-lockfile --prod --filter "@ccr/simulator..." && pnpm store prune
COPY shared/ shared/
COPY simulator/ simulator/
# the committed demo town, deployment data beside both packages (JURISDICTION_DIR to run on another, mounted as a volume)
COPY jurisdiction/ jurisdiction/
USER node
WORKDIR /app/simulator
ENV PATH=/app/simulator/node_modules/.bin:$PATH
# = the @ccr/simulator "sim" script, run directly so that tsx relays SIGTERM (see the server's CMD below)
CMD ["tsx", "src/main.ts"]

# ── runtime: production dependencies of the server only, sources, built client ─────────────
FROM base AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY simulator/package.json simulator/
COPY client/package.json client/
COPY tests/package.json tests/
RUN pnpm install --frozen-lockfile --prod --filter "@ccr/server..." && pnpm store prune
COPY shared/ shared/
COPY server/ server/
COPY jurisdiction/ jurisdiction/
COPY --from=build /app/client/dist client/dist

USER node
WORKDIR /app/server
ENV PATH=/app/server/node_modules/.bin:$PATH
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# = the @ccr/server "start" script (`tsx src/server.ts`), run directly rather than through
# `pnpm --filter @ccr/server start`: pnpm does not pass SIGTERM on to its child, so `docker stop`
# would kill the server without its graceful close. tsx relays the signal and waits.
CMD ["tsx", "src/server.ts"]
