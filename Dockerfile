# syntax=docker/dockerfile:1
# One image recipe for every Wagerflow process. The service is chosen at build time:
#   docker build --build-arg SERVICE=bet-ledger -t wagerflow-bet-ledger .
# The migrate one-shot uses the same image with its command overridden (see docker-compose.yml).
# There is no build step: services run their TypeScript through tsx, exactly as on a developer machine.

# Debian (glibc), not Alpine: the lockfile includes glibc-only native packages (embedded-postgres, esbuild).
# Pin by digest for production deployments.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    CI=true
WORKDIR /app
RUN corepack enable
# Only the files that decide the dependency graph: this layer and the fetch below are reused until they change.
# package.json carries `packageManager`, so corepack runs the exact pnpm version of the repo.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
# `pnpm fetch` needs nothing but the lockfile: it fills the store before the sources are copied, so editing
# a .ts file does not re-download every package. The store stays in this layer (not a cache mount) so the
# offline install below can never meet a cached fetch layer with an empty store; this stage is not shipped.
RUN pnpm fetch --frozen-lockfile --store-dir /pnpm/store
COPY . .
# Full install (dev dependencies included): tsx is a root devDependency and every process runs through it.
# `--prod` would drop it; if tsx moves to the root `dependencies`, add `--prod` here to slim the image.
RUN pnpm install --frozen-lockfile --offline --store-dir /pnpm/store

# ---------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Read-only for the service user: the code and node_modules belong to root.
COPY --from=deps /app /app
USER node

ARG SERVICE
ENV SERVICE=${SERVICE}
# The ops ports (SPEC 1) and the gateway's public port; compose publishes what it needs.
EXPOSE 8080 9101 9102 9103 9104 9105
# `exec` makes node replace the shell, so SIGTERM from `docker stop` reaches the service's shutdown
# manager instead of a shell that would ignore it. `${SERVICE:?}` fails loudly on an image built without it.
CMD exec node --import tsx "services/${SERVICE:?build with --build-arg SERVICE=<services/ directory name>}/src/main.ts"
