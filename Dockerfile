# syntax=docker/dockerfile:1
# One image recipe for every Wagerflow process. The service is chosen at build time:
#   docker build --build-arg SERVICE=bet-ledger -t wagerflow-bet-ledger .
# The migrate one-shot is the `migrate` target (see docker-compose.yml):
#   docker build --target migrate -t wagerflow-migrate .
# Services ship as JavaScript: the build stage bundles each one with esbuild (`pnpm build`, scripts/build/),
# the runtime stage holds that bundle and the service's production dependencies only. No tsx, no
# TypeScript, no dev dependencies (embedded Postgres, vitest…) in what runs.

# Debian (glibc), not Alpine: the build stage installs the whole lockfile, which has glibc-only native
# packages (embedded-postgres, esbuild). Pin by digest for production deployments.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
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
# Full install: the build needs the dev dependencies (esbuild). Then every bundle: services/*/dist/main.js,
# packages/db/dist/src/migrate.cli.js and packages/db/dist/migrations/*.js. `pnpm build` fails when a bundle
# imports a package its service does not declare in `dependencies` (the production install would lack it).
RUN pnpm install --frozen-lockfile --offline --store-dir /pnpm/store \
 && pnpm build

# ---------------------------------------------------------------------------------------------------------
# The migrator's production layout: /out/packages/db/{dist,node_modules}.
FROM build AS migrate-deploy
RUN scripts/build/deploy.sh packages/db /out/packages/db --offline --store-dir /pnpm/store

FROM ${NODE_IMAGE} AS migrate
ENV NODE_ENV=production
WORKDIR /app
# Read-only for the process user: the code and node_modules belong to root.
COPY --from=migrate-deploy /out /app
USER node
# Applies the migrations under an advisory lock and exits. Migrations are recorded under their source
# names (`<name>.ts`), so databases migrated by `pnpm migrate` (tsx) and by this image agree.
CMD ["node", "--enable-source-maps", "packages/db/dist/src/migrate.cli.js"]

# ---------------------------------------------------------------------------------------------------------
# The service's production layout: /out/services/$SERVICE/{dist,node_modules}.
FROM build AS deploy
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<services/ directory name>' >&2; exit 1; } \
 && scripts/build/deploy.sh "services/${SERVICE}" "/out/services/${SERVICE}" --offline --store-dir /pnpm/store

# ---------------------------------------------------------------------------------------------------------
# The default target: one service.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Read-only for the service user: the code and node_modules belong to root.
COPY --from=deploy /out /app
USER node

ARG SERVICE
ENV SERVICE=${SERVICE}
# The ops ports (SPEC 1) and the gateway's public port; compose publishes what it needs.
EXPOSE 8080 9101 9102 9103 9104 9105
# `exec` makes node replace the shell, so SIGTERM from `docker stop` reaches the service's shutdown
# manager instead of a shell that would ignore it. `${SERVICE:?}` fails loudly on an image built without it.
# The file is what `pnpm build` writes for the service (scripts/build/main.ts); the source maps point
# stack traces at the TypeScript sources.
CMD exec node --enable-source-maps "services/${SERVICE:?build with --build-arg SERVICE=<services/ directory name>}/dist/main.js"
