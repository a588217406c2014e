#!/usr/bin/env bash
# Proves the Dockerfile's recipe without Docker: `pnpm build`, the production deploy of each service and of
# the migrator (scripts/build/deploy.sh, as the image does) into $OUT, then checks that
#   - no dev dependency is in a deployed node_modules (sizes are printed);
#   - the compiled migrator migrates a fresh database, and recognises one migrated by tsx (`pnpm migrate`)
#     as up to date (and the other way round);
#   - each service starts from its deploy dir (`node --enable-source-maps dist/main.js`, clean environment,
#     no tsx) against Postgres and Redis, answers /healthz on its ops port, and exits 0 on SIGTERM.
#
#   scripts/build/verify-deploy.sh                   # gateway and bet-ledger
#   scripts/build/verify-deploy.sh all               # every service
#   scripts/build/verify-deploy.sh loyalty archiver
#
# Environment: PG_URL (server URL without a database; default postgres://postgres@127.0.0.1:5432, a role
# that may CREATE DATABASE), REDIS_URL (default redis://127.0.0.1:6379), OUT (default
# /tmp/wagerflow-deploy, emptied), PORT_BASE (default 39100: ops ports PORT_BASE+1…, the gateway's public
# port PORT_BASE), KEEP=1 keeps the scratch databases, PNPM (default pnpm, else npx pnpm@<packageManager>).
# Uses psql and curl. The scratch databases are dropped and the Redis keys (prefix wfverify<pid>) deleted
# at exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
OUT=${OUT:-/tmp/wagerflow-deploy}
PORT_BASE=${PORT_BASE:-39100}
if [[ -z "${PNPM:-}" ]]; then
  if command -v pnpm >/dev/null; then PNPM=pnpm; else PNPM="npx --yes $(node -p 'require("./package.json").packageManager')"; fi
fi
export PNPM
read -r -a pnpm <<<"$PNPM"

all_services=()
for dir in services/*/; do [[ -f "$dir/src/main.ts" ]] && all_services+=("$(basename "$dir")"); done
if [[ $# -eq 0 ]]; then
  services=(gateway bet-ledger)
elif [[ "$1" == all ]]; then
  services=("${all_services[@]}")
else
  services=("$@")
fi

tag="wfverify$$"
db_fresh="${tag}_fresh"
db_tsx="${tag}_tsx"
pids=()
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
psql_() { psql "$PG_URL/postgres" -v ON_ERROR_STOP=1 -qAt "$@"; }
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ "${KEEP:-}" != 1 ]]; then
    psql_ -c "DROP DATABASE IF EXISTS $db_fresh WITH (FORCE)" -c "DROP DATABASE IF EXISTS $db_tsx WITH (FORCE)" || true
  fi
  redis-cli -u "$REDIS_URL" --scan --pattern "$tag*" 2>/dev/null | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== pnpm build"
"${pnpm[@]}" build

echo "== deploy into $OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
deploy() { scripts/build/deploy.sh "$1" "$OUT/$1" >"$OUT/deploy-$(basename "$1").log" 2>&1 || {
  cat "$OUT/deploy-$(basename "$1").log" >&2
  exit 1
}; }
deploy packages/db
for s in "${services[@]}"; do deploy "services/$s"; done

echo "== no dev dependencies; sizes"
# Root devDependencies and the workspace's test-only packages.
banned=$(node -p 'Object.keys(require("./package.json").devDependencies).join(" ")')
banned+=" testcontainers @wagerflow/testing @wagerflow/local-servers"
for dir in packages/db "${services[@]/#/services/}"; do
  nm="$OUT/$dir/node_modules"
  for name in $banned; do
    # Every installed package is a real directory .pnpm/<id>/node_modules/<name> (the rest are symlinks).
    found=$(find "$nm/.pnpm" -mindepth 4 -maxdepth 5 -path "$nm/.pnpm/*/node_modules/$name/package.json" 2>/dev/null | head -1 || true)
    [[ -n "$found" ]] && fail "$dir: dev dependency $name deployed ($found)"
  done
  main=dist/main.js
  [[ "$dir" == packages/db ]] && main=dist/src/migrate.cli.js
  [[ -f "$OUT/$dir/$main" ]] || fail "$dir: no $main"
  printf '  %-22s node_modules %6s  (%s packages)  dist %s\n' "$dir" "$(du -sh "$nm" | cut -f1)" \
    "$(find "$nm/.pnpm" -mindepth 1 -maxdepth 1 -type d ! -name node_modules | wc -l)" "$(du -sh "$OUT/$dir/dist" | cut -f1)"
done

# A clean environment: nothing of the caller's (NODE_OPTIONS, a tsx loader, …) reaches the processes.
clean_env=(env -i "PATH=$PATH" "HOME=${HOME:-/tmp}" NODE_ENV=production LOG_LEVEL=warn)
migrations_state() { psql "$PG_URL/$1" -qAt -c "SELECT string_agg(name || ':' || batch, ',' ORDER BY id) FROM knex_migrations"; }
migration_count=$(find packages/db/migrations -maxdepth 1 -name '*.ts' ! -name '*.d.ts' | wc -l)

echo "== compiled migrator"
psql_ -c "CREATE DATABASE $db_fresh" -c "CREATE DATABASE $db_tsx"
(cd "$OUT" && "${clean_env[@]}" "DATABASE_URL=$PG_URL/$db_fresh" node --enable-source-maps packages/db/dist/src/migrate.cli.js)
fresh=$(migrations_state "$db_fresh")
[[ $(tr ',' '\n' <<<"$fresh" | grep -c '\.ts:1$') == "$migration_count" ]] ||
  fail "compiled migrator on a fresh database: expected $migration_count migrations named <base>.ts in batch 1, got $fresh"
# The other way round: tsx finds nothing to do on what the compiled migrator applied…
DATABASE_URL="$PG_URL/$db_fresh" node --import tsx packages/db/src/migrate.cli.ts >/dev/null
[[ $(migrations_state "$db_fresh") == "$fresh" ]] || fail "tsx migrator re-ran migrations applied by the compiled one"
# …and the compiled migrator finds nothing to do on a database tsx migrated.
DATABASE_URL="$PG_URL/$db_tsx" node --import tsx packages/db/src/migrate.cli.ts >/dev/null
by_tsx=$(migrations_state "$db_tsx")
(cd "$OUT" && "${clean_env[@]}" "DATABASE_URL=$PG_URL/$db_tsx" node --enable-source-maps packages/db/dist/src/migrate.cli.js >/dev/null)
[[ $(migrations_state "$db_tsx") == "$by_tsx" ]] || fail "compiled migrator re-ran migrations applied by tsx"
echo "  $migration_count migrations; tsx- and compiled-migrated databases agree"

echo "== services"
port_of() { # ops port for a service: PORT_BASE + its position in services/ (gateway's public port: PORT_BASE)
  local i
  for i in "${!all_services[@]}"; do
    if [[ "${all_services[$i]}" == "$1" ]]; then
      echo $((PORT_BASE + i + 1))
      return
    fi
  done
  echo "unknown service $1 (services: ${all_services[*]})" >&2
  return 1
}
for s in "${services[@]}"; do
  port=$(port_of "$s")
  var="$(tr 'a-z-' 'A-Z_' <<<"$s")_OPS_PORT"
  extra=()
  [[ "$s" == gateway ]] && extra=("GATEWAY_PORT=$PORT_BASE" "ADMIN_TOKEN=verify-deploy-admin-token" "SECRET_ENCRYPTION_KEY=$(printf '0%.0s' {1..64})")
  log="$OUT/$s.log"
  (cd "$OUT/services/$s" && exec "${clean_env[@]}" "DATABASE_URL=$PG_URL/$db_fresh" "REDIS_URL=$REDIS_URL" "REDIS_PREFIX=$tag" \
    "$var=$port" "${extra[@]}" node --enable-source-maps dist/main.js) >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  healthy=""
  for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if body=$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null); then
      healthy=$body
      break
    fi
    sleep 0.5
  done
  if [[ -z "$healthy" ]]; then
    fail "$s: /healthz on :$port did not answer 200 (log: $log)"
    tail -20 "$log" >&2
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    continue
  fi
  kill -TERM "$pid"
  code=0
  wait "$pid" || code=$?
  [[ $code == 0 ]] || fail "$s: exit code $code after SIGTERM (log: $log)"
  echo "  $s: /healthz on :$port -> $healthy; SIGTERM -> exit $code"
done

if ((failures)); then
  echo "verify-deploy: $failures failure(s)" >&2
  exit 1
fi
echo "verify-deploy: OK (deploy dirs in $OUT)"
