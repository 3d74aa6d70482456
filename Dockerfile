# Two-stage image (+ a deps stage) for a TypeScript ESM Fastify service:
# `npm run build` compiles src/ -> dist/ and bundles it (dist/bundle/), entry `node dist/bundle/server.js`.
# The base image is local (no registry is reachable): build it with base-image.sh.
# Build:  podman build --format docker --isolation=chroot --pull=never --network=host \
#           [--secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt] -t <tag> .
#   --format docker keeps HEALTHCHECK (OCI format drops it).
#   npm_ca (optional build secret): CA bundle for a TLS-intercepting egress proxy. It is mounted for
#   the npm ci RUNs only and never stored in a layer; without it npm uses Node's built-in CAs.
ARG BASE_IMAGE=localhost/node:26-bookworm-slim

# ---------------------------------------------------------------- build stage: all deps, compile
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# devDependency `node` runs a preinstall that fetches a node binary: fine here, never in runtime
RUN --mount=type=secret,id=npm_ca \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --no-audit --no-fund --loglevel=warn
COPY tsconfig*.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------- deps stage: production deps only
# depends on the lockfile alone, so a source change never re-installs or re-copies node_modules
FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_ca \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --omit=dev --no-audit --no-fund --loglevel=warn

# ---------------------------------------------------------------- runtime stage
FROM ${BASE_IMAGE} AS runtime
# metadata first (cached), files last: a source change only rebuilds the final COPY layers
# No secrets here: APP_ID / APP_CERTIFICATE (or APP_CERTIFICATE_FILE) come at run time.
ENV HOST=0.0.0.0 \
    PORT=8080
# V8 heap sized for a small stateless service (the recipes give it 256 MiB): a capped old space
# keeps RSS near 140 MB under load instead of 250-400 MB of garbage V8 would let pile up; 8 MB
# semi-spaces keep scavenges rare. npm run bench runs the service with exactly these flags.
ENV NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=8"
# Node's module compile cache, primed below when the image is built: start-up reads V8 code for
# every module instead of compiling it. Read-only at run time (the recipes mount the root file
# system read-only, and the service user may not write /app); a module that changed is a miss.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache \
    NODE_COMPILE_CACHE_READONLY=1
WORKDIR /app
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# tini is PID 1: forwards SIGTERM to node, reaps zombies, exits with node's exit code
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/bundle/server.js"]
# Files stay root-owned and read-only for the service user (node)
COPY --from=deps /app/package.json /app/package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Primes the compile cache with every module start-up loads (the bundle's app and metrics-app
# entries share every chunk the server loads, without starting one), with the V8 flags above (the cache is keyed by them) and as the service user (and by
# the user's id); then root takes the cache over: the service user may read it, never change it.
USER node
RUN NODE_COMPILE_CACHE=/tmp/node-compile-cache NODE_COMPILE_CACHE_READONLY=0 node --input-type=module \
      -e "await import('./dist/bundle/app.js'); await import('./dist/bundle/metrics-app.js')"
USER root
# (Node writes the entries owner-only: they are made readable to all, writable by none but root.)
RUN mv /tmp/node-compile-cache /app/.node-compile-cache && chown -R root:root /app/.node-compile-cache && chmod -R a+rX,go-w /app/.node-compile-cache
USER node
