#!/usr/bin/env bash
# Lays out one workspace package for production, as the Dockerfile does: its production dependencies only
# (no devDependencies, no optional ones) in <out>/node_modules, and the output of `pnpm build` in <out>/dist.
#
#   scripts/build/deploy.sh <package dir, e.g. services/gateway or packages/db> <out dir> [extra pnpm deploy flags]
#
# Run `pnpm build` first. PNPM overrides the pnpm command (default: `pnpm`).
#
# - `pnpm deploy` in pnpm 10 wants injected workspace packages; the workspace does not use them (a live link
#   to packages/*/src is what development needs), so it is switched on for this command only. `--legacy`
#   would work too but also installs the workspace ROOT's dependencies (@wagerflow/testing, testcontainers,
#   embedded-postgres…): twice the size.
# - `--no-optional`: valibot (under @bull-board) has an optional peer dependency on typescript, which the
#   lockfile resolves to the root's typescript; the other optional packages are msgpackr-extract (a native
#   speed-up msgpackr does without) and pg-cloudflare (Cloudflare Workers only).
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 <package dir> <out dir> [pnpm deploy flags]" >&2
  exit 2
fi
pkg=${1%/}
out=$2
shift 2
cd "$(dirname "$0")/../.."
if [[ ! -d "$pkg/dist" ]]; then
  echo "$pkg/dist does not exist: run pnpm build first" >&2
  exit 1
fi
read -r -a pnpm <<<"${PNPM:-pnpm}"
"${pnpm[@]}" --config.inject-workspace-packages=true --filter "./$pkg" deploy --prod --no-optional "$@" "$out"
# pnpm deploy copies the package's files as they are; the build output is copied explicitly so the result
# does not depend on what pnpm considers part of the package.
rm -rf "$out/dist"
cp -R "$pkg/dist" "$out/dist"
