# centrifugo-ts: one image for the node (`centrifugo-ts`, serve by default) and the operator
# (`centrifugo-ts operator`). The runtime stage holds the production dependencies and the
# compiled JavaScript (dist/, from the build stage: scripts/build.ts), not the TypeScript
# sources: compiled, a node never loads Node's TypeScript stripper, 25+ MiB less RSS at idle
# (bench/results/2026-12-02-idle-node.md). bin/centrifugo-ts.js runs dist/main.js.
#
#   docker build -t centrifugo-ts:0.1.0 .
#   docker run --rm -p 8000:8000 centrifugo-ts:0.1.0                 # a node (serve)
#   docker run --rm centrifugo-ts:0.1.0 operator --kubeconfig ...    # the operator
#
# Build arguments:
#   NODE_IMAGE  the Node base of both stages. Default: the official slim image of the Node LTS
#               line this project is tested on. Pin it by digest for reproducible builds. Where
#               no image registry is reachable, build a base locally and pass it instead:
#                 scripts/docker-base-image.sh     # FROM scratch + node + libs + npm, no shell
#                 docker build --network host \
#                   --build-arg NODE_IMAGE=centrifugo-ts-node-base:24.21.0 .
#               (scripts/docker-build.sh does both.) Every RUN is exec-form for that reason:
#               the local base has no /bin/sh.
#   VERSION, REVISION, CREATED   OCI labels (package version, git commit, RFC 3339 date).
#   NPM_CONFIG_REGISTRY, NPM_CONFIG_CA   npm settings of the dependency stage (see there).
#
# At run time: user 1000:1000 (numeric, so runAsNonRoot can verify it), nothing is written to
# the image's filesystem (readOnlyRootFilesystem works; logs go to stdout), ports 8000 (client),
# 9000 (internal: server API, /health, /metrics), 10000 (gRPC API, when enabled).

ARG NODE_IMAGE=node:24.21.0-trixie-slim

# ---- production dependencies ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# npm settings for this stage only (the runtime stage never sees them), e.g. a registry mirror,
# or behind a TLS-intercepting proxy the PEM of its CA (scripts/docker-build.sh passes the CAs
# in /usr/local/share/ca-certificates when there are any).
ARG NPM_CONFIG_REGISTRY
ARG NPM_CONFIG_CA
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script (protobufjs's only checks versions).
RUN ["node", "/usr/local/lib/node_modules/npm/bin/npm-cli.js", "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]

# ---- compiled JavaScript ----
# All dependencies (typescript and the types are dev dependencies); only dist/ leaves it.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ARG NPM_CONFIG_REGISTRY
ARG NPM_CONFIG_CA
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
RUN ["node", "/usr/local/lib/node_modules/npm/bin/npm-cli.js", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts ./scripts/
COPY src ./src
RUN ["node", "scripts/build.ts"]

# ---- runtime ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the runtime user; .dockerignore keeps tests out.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY proto ./proto
COPY bin ./bin
COPY --from=build /app/dist ./dist
USER 1000:1000
EXPOSE 8000 9000 10000
# Node is PID 1: both commands handle SIGTERM (nodes drain, the operator releases its Lease).
# --max-semi-space-size: see src/node/runtime-flags.ts (test/node/runtime-flags.test.ts checks it).
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/bin/centrifugo-ts.js"]
CMD ["serve"]

# Last, so a new date or commit does not invalidate the layers above.
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="centrifugo-ts" \
      org.opencontainers.image.description="A real-time messaging server wire-compatible with Centrifugo v6, and its Kubernetes operator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
