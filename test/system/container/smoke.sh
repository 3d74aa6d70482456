#!/usr/bin/env bash
# Container smoke test (podman, no registry, no Docker engine):
#   base image (base-image.sh) -> podman build -> run on loopback -> /readyz -> mint + decode a token ->
#   non-root check -> runtime holds dist/ and prod deps only -> HEALTHCHECK -> no certificate in image -> SIGTERM exits 0 -> cleanup.
#
# Usage: ./smoke.sh [PROJECT_DIR]
#   PROJECT_DIR default: $(dirname "$0")/../../..  (this file lives at test/system/container/smoke.sh)
# Env:  IMAGE       tag to build           (default localhost/<project dir name>:smoke)
#       DOCKERFILE  Dockerfile to use      (default PROJECT_DIR/Dockerfile, else the one beside this script)
#       NPM_CA      CA bundle for npm in the build (TLS-intercepting proxy); default: auto-detected
#       GRACE       seconds allowed for SIGTERM shutdown (default 30)
#       KEEP_IMAGE=0  remove the built image at the end (default keep: warm rebuilds are cached)
#       FORCE_BUILD=1 run podman build even if the context is unchanged since the last successful build
# Exit: 0 PASS, 1 FAIL, 77 SKIP (podman cannot run containers on this machine)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=$(cd "${1:-$HERE/../../..}" && pwd) || { echo "SMOKE FAIL: project dir ${1:-$HERE/../../..} not found"; exit 1; }
name=$(basename "$PROJECT" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9._\n-' '-')
IMAGE=${IMAGE:-localhost/agora-token-server:smoke}
GRACE=${GRACE:-30}
KEEP_IMAGE=${KEEP_IMAGE:-1}
BASE_IMAGE=${BASE_IMAGE:-localhost/node:26-bookworm-slim}
export BASE_IMAGE
if [ -z "${DOCKERFILE:-}" ]; then
  if [ -f "$PROJECT/Dockerfile" ]; then DOCKERFILE=$PROJECT/Dockerfile; else DOCKERFILE=$HERE/Dockerfile; fi
fi
# podman run flags that this kind of machine needs (see README): runc + cgroupfs (no systemd),
# explicit ulimits (podman's default nofile=1048576/nproc exceed the host hard limits -> runc EPERM),
# host network (loopback only; the app is told to bind 127.0.0.1), healthcheck timers off (they need systemd).
RUN_FLAGS=(--runtime runc --cgroup-manager=cgroupfs --network=host
           --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --health-interval=disable --pull=never)

# test-only values (32 hex chars each), passed at run time only; the layer scan below looks for
# this certificate value (and any APP_CERTIFICATE ARG/ENV) in the image
APP_ID=${SMOKE_APP_ID:-a1b2c3d4e5f60718293a4b5c6d7e8f90}
APP_CERTIFICATE=${SMOKE_APP_CERTIFICATE:-5e0c7a1f9b3d48e6a2c4f6081b3d5e7f}

T0=$(date +%s.%N)
el() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "[smoke $(el)s] $*" >&2; }
FAILS=()
fail() { FAILS+=("$*"); log "FAIL: $*"; }
skip() {
  echo >&2
  echo "################################################################" >&2
  echo "##  SMOKE SKIPPED: $*" >&2
  echo "##  The container was NOT built or tested. This is not a pass." >&2
  echo "################################################################" >&2
  echo "SMOKE SKIP (exit 77): $*"
  exit 77
}

CTR=""
cleanup() {
  [ -n "$CTR" ] && podman rm -f -t 0 "$CTR" >/dev/null 2>&1
  [ -n "${SAVE_DIR:-}" ] && rm -rf "$SAVE_DIR"
  if [ "$KEEP_IMAGE" = 0 ]; then podman rmi -f "$IMAGE" >/dev/null 2>&1; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- podman available?
if ! command -v podman >/dev/null; then
  [ "$(id -u)" = 0 ] || skip "podman is not installed and we are not root to install it"
fi
[ "$(id -u)" = 0 ] || skip "needs root (rootful podman; rootless is not set up on this machine kind)"
command -v curl >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl >/dev/null 2>&1; }; }

# ---------------------------------------------------------------- base image
log "base image $BASE_IMAGE"
"$HERE/base-image.sh"; rc=$?
if [ $rc = 77 ]; then skip "podman cannot run containers here (base-image.sh verification failed)"; fi
[ $rc = 0 ] || { echo "SMOKE FAIL: base-image.sh exited $rc"; exit 1; }

# ---------------------------------------------------------------- build
# The npm registry may sit behind a TLS-intercepting proxy; hand its CA bundle to the build stage
# as a build secret (mounted for the npm ci RUN only, never stored in a layer).
if [ -z "${NPM_CA:-}" ]; then
  for f in "${NODE_EXTRA_CA_CERTS:-}" "$(npm config get cafile 2>/dev/null)" /etc/ssl/certs/ca-certificates.crt; do
    if [ -n "$f" ] && [ -s "$f" ]; then NPM_CA=$f; break; fi
  done
fi
SECRET=(); [ -n "${NPM_CA:-}" ] && SECRET=(--secret "id=npm_ca,src=$NPM_CA")
# Skip the build when neither the context, the Dockerfile nor the base image changed since the
# last successful build of $IMAGE (buildah 1.28 needs 15-30 s even when every step is cached).
context_hash() {
  local base_id; base_id=$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")
  {
    echo "base $base_id"; echo "args ${SECRET[*]}"; sha256sum <"$DOCKERFILE"
    for f in .dockerignore .containerignore; do [ -f "$PROJECT/$f" ] && sha256sum <"$PROJECT/$f"; done
    # files that can reach the build context: git's view (tracked + untracked, not ignored) or a walk,
    # never node_modules/dist/.git/.cache (all in .dockerignore)
    if git -C "$PROJECT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
      git -C "$PROJECT" ls-files -z --cached --others --exclude-standard -- .
    else
      (cd "$PROJECT" && find . \( -name node_modules -o -name .git -o -name dist -o -name .cache \) -prune -o -type f -print0)
    fi | tr '\0' '\n' | grep -vE '(^|/)(node_modules|dist|\.git|\.cache|coverage)(/|$)' | sort \
       | (cd "$PROJECT" && while IFS= read -r f; do [ -f "$f" ] && printf '%s\0' "$f"; done | xargs -0 -r sha256sum)
  } | sha256sum | cut -c1-64
}
STAMP_DIR=$HERE/.cache/smoke; mkdir -p "$STAMP_DIR"
STAMP=$STAMP_DIR/$(echo "$IMAGE" | tr '/:' '__').stamp
CTX_HASH=$(context_hash)
IMG_ID=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
if [ "${FORCE_BUILD:-0}" != 1 ] && [ -n "$IMG_ID" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$CTX_HASH $IMG_ID" ]; then
  BUILD_S=0; cached=all; steps=all
  log "context unchanged since last build of $IMAGE: build skipped (FORCE_BUILD=1 to rebuild)"
else
  log "podman build $IMAGE from $PROJECT (Dockerfile $DOCKERFILE${NPM_CA:+, npm CA $NPM_CA})"
  tb=$(date +%s.%N)
  BUILD_LOG=$(mktemp /tmp/smoke-build.XXXXXX.log)
  if ! podman build --format docker --isolation=chroot --pull=never --network=host --layers \
       --build-arg "BASE_IMAGE=$BASE_IMAGE" "${SECRET[@]}" \
       -f "$DOCKERFILE" -t "$IMAGE" "$PROJECT" >"$BUILD_LOG" 2>&1; then
    tail -n 40 "$BUILD_LOG" >&2
    rm -f "$STAMP"
    echo "SMOKE FAIL: podman build failed (log $BUILD_LOG)"; exit 1
  fi
  BUILD_S=$(awk -v a="$tb" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  cached=$(grep -c 'Using cache' "$BUILD_LOG"); steps=$(grep '^\[[0-9]*/[0-9]*\] STEP' "$BUILD_LOG" | grep -vc ': FROM ')
  rm -f "$BUILD_LOG"
  echo "$CTX_HASH $(podman image inspect --format '{{.Id}}' "$IMAGE")" >"$STAMP"
fi
SIZE=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')
log "build ${BUILD_S}s ($cached/$steps steps cached), image $SIZE"

# ---------------------------------------------------------------- image checks (before running)
hc=$(podman image inspect --format '{{json .HealthCheck}}' "$IMAGE")
case "$hc" in *'"Test"'*) ;; *) fail "image has no HEALTHCHECK (build with --format docker): $hc";; esac
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
case "$user" in ""|root|0|0:*|root:*) fail "image USER is '$user' (want non-root)";; esac
podman image inspect --format '{{json .Config.Env}}' "$IMAGE" | grep -qiE 'APP_CERTIFICATE|SECRET|TOKEN|PASSWORD' \
  && fail "image ENV mentions a secret-looking variable: $(podman image inspect --format '{{json .Config.Env}}' "$IMAGE")"

# ---------------------------------------------------------------- run
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null \
       || python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
CTR="smoke-$name-$$"
log "run $CTR on 127.0.0.1:$PORT"
if ! podman run -d --name "$CTR" "${RUN_FLAGS[@]}" \
     -e HOST=127.0.0.1 -e PORT="$PORT" -e APP_ID="$APP_ID" -e APP_CERTIFICATE="$APP_CERTIFICATE" \
     "$IMAGE" >/dev/null 2>/tmp/smoke-run.$$; then
  err=$(cat /tmp/smoke-run.$$); rm -f /tmp/smoke-run.$$
  CTR=""
  if echo "$err" | grep -qiE 'OCI|runc|cgroup|rlimit|permission denied|namespace'; then
    skip "podman run failed at the runtime level: $err"
  fi
  echo "SMOKE FAIL: podman run failed: $err"; exit 1
fi
rm -f /tmp/smoke-run.$$

ready=0
for _ in $(seq 1 60); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$PORT/readyz" || true)
  [ "$code" = 200 ] && { ready=1; break; }
  [ "$(podman inspect -f '{{.State.Running}}' "$CTR" 2>/dev/null)" = true ] || break
  sleep 0.5
done
if [ $ready = 1 ]; then
  log "GET /readyz -> 200"
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$PORT/healthz")
  [ "$code" = 200 ] && log "GET /healthz -> 200" || fail "GET /healthz -> $code"
else
  fail "GET /readyz never returned 200 (container state: $(podman inspect -f '{{.State.Status}} exit={{.State.ExitCode}}' "$CTR" 2>&1))"
  podman logs --tail 30 "$CTR" >&2 2>&1
fi

if [ $ready = 1 ]; then
  # mint a token through the container and decode it: right channel, uid, privileges, expiry, signature
  body=$(curl -s -m 5 -X POST "http://127.0.0.1:$PORT/v1/tokens/rtc" -H 'content-type: application/json' \
    -d '{"channelName":"smoke-room","uid":4242,"role":"publisher","expireSeconds":600}')
  verdict=$(podman exec -e BODY="$body" -e CERT="$APP_CERTIFICATE" "$CTR" node --input-type=module -e '
    const { decode007, verify007 } = await import("/app/dist/tokens/codec.js");
    const body = JSON.parse(process.env.BODY);
    const d = decode007(body.token);
    const rtc = d.services[0];
    const ok = verify007(d, process.env.CERT) && d.expire === 600 && rtc.channelName === "smoke-room" &&
      rtc.uid === "4242" && Object.keys(rtc.privileges).join() === "1,2,3,4" && body.expiresAtUnix - d.issueTs === 600;
    console.log(ok ? "ok" : "bad " + JSON.stringify({ expire: d.expire, rtc }));
  ' 2>&1)
  [ "$verdict" = ok ] && log "POST /v1/tokens/rtc -> token decodes to channel smoke-room, uid 4242, publisher, 600 s, valid signature" \
    || fail "minted token did not decode as asked: $verdict (response: ${body:0:200})"
  # non-root: every process in the container, and a fresh exec
  uid=$(podman exec "$CTR" id -u 2>&1)
  [ "$uid" != 0 ] && [ -n "$uid" ] && log "exec id -u -> $uid" || fail "podman exec id -u -> '$uid' (root?)"
  users=$(podman top "$CTR" user 2>&1 | tail -n +2 | sort -u | tr '\n' ' ')
  echo "$users" | grep -qw root && fail "a process in the container runs as root: $users" || log "processes run as: $users"
  # the runtime stage holds the built server and production dependencies only: no sources, tests or dev tools
  if podman exec "$CTR" node -e 'const fs = require("node:fs"); process.exit(fs.existsSync("/app/dist/bundle/server.js") && !["/app/src", "/app/test", "/app/node_modules/tap", "/app/node_modules/typescript", "/app/node_modules/esbuild"].some((p) => fs.existsSync(p)) ? 0 : 1)' >/dev/null 2>&1
  then log "runtime: dist/ and production dependencies only"; else fail "runtime image holds sources, tests or dev dependencies (or no dist/bundle/server.js)"; fi
  # HEALTHCHECK as declared in the image (timers need systemd, so run it by hand)
  if podman healthcheck run "$CTR" >/dev/null 2>&1; then log "HEALTHCHECK -> healthy"; else fail "HEALTHCHECK failed"; fi
fi

# ---------------------------------------------------------------- certificate must not be in the image
hist=$(podman history --no-trunc --format '{{.CreatedBy}} {{.Comment}}' "$IMAGE")
echo "$hist" | grep -qF "$APP_CERTIFICATE" && fail "certificate value found in image history"
echo "$hist" | grep -qE 'APP_CERTIFICATE' && fail "image history mentions APP_CERTIFICATE (ARG/ENV at build time?)"
podman image inspect "$IMAGE" | grep -qF "$APP_CERTIFICATE" && fail "certificate value found in image config"
SCAN_KEY="$(podman image inspect --format '{{.Id}}' "$IMAGE") $(printf '%s' "$APP_CERTIFICATE" | sha256sum | cut -c1-16)"
if [ -f "$STAMP.scan" ] && [ "$(cat "$STAMP.scan")" = "$SCAN_KEY" ]; then
  log "layer scan: same image already scanned clean for this certificate value"
else
  SAVE_DIR=$(mktemp -d /var/tmp/smoke-save.XXXXXX)
  if podman save --format docker-dir -o "$SAVE_DIR/img" "$IMAGE" >/dev/null 2>&1; then
    # docker-dir layers are uncompressed tars: a plain grep sees every file of every layer
    if grep -rqaF "$APP_CERTIFICATE" "$SAVE_DIR/img"; then fail "certificate value found in an image layer"
    else log "certificate not in image config, history or any layer"; echo "$SCAN_KEY" >"$STAMP.scan"; fi
  else
    fail "podman save failed"
  fi
  rm -rf "$SAVE_DIR"; SAVE_DIR=""
fi
if podman logs "$CTR" 2>&1 | grep -qF "$APP_CERTIFICATE"; then fail "certificate value printed in container logs"; fi

# ---------------------------------------------------------------- SIGTERM -> exit 0 within grace
if [ "$(podman inspect -f '{{.State.Running}}' "$CTR" 2>/dev/null)" = true ]; then
  ts=$(date +%s.%N)
  podman kill --signal TERM "$CTR" >/dev/null
  exit_code=$(timeout "$((GRACE + 5))" podman wait "$CTR" 2>/dev/null | tail -n1)
  stop_s=$(awk -v a="$ts" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  if [ -z "$exit_code" ]; then fail "container still running ${GRACE}s after SIGTERM"
  elif [ "$exit_code" != 0 ]; then fail "exit code $exit_code after SIGTERM (want 0)"; podman logs --tail 20 "$CTR" >&2 2>&1
  elif awk -v s="$stop_s" -v g="$GRACE" 'BEGIN{exit !(s > g)}'; then fail "SIGTERM shutdown took ${stop_s}s > ${GRACE}s"
  else log "SIGTERM -> exit 0 in ${stop_s}s"; fi
else
  fail "container not running before SIGTERM test"
fi

podman rm -f -t 0 "$CTR" >/dev/null 2>&1 && CTR=""

if [ ${#FAILS[@]} = 0 ]; then
  echo "SMOKE PASS: $IMAGE ($SIZE, build ${BUILD_S}s, $cached/$steps steps cached, total $(el)s)"
  exit 0
fi
echo "SMOKE FAIL: ${#FAILS[@]} check(s) failed: $(printf '%s; ' "${FAILS[@]}")"
exit 1
