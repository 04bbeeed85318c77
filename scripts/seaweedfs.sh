#!/usr/bin/env bash
# seaweedfs.sh — provides the SeaweedFS "weed" binary, the S3-compatible
# object store the HLS-to-S3 tests run against (mux/hls, internal/peertest).
#
#   scripts/seaweedfs.sh ensure   build it once into the cache if missing
#   scripts/seaweedfs.sh path     print the binary's path (fails if missing)
#
# "go install .../weed@VERSION" is refused (SeaweedFS's go.mod has a replace
# directive), so the pinned module is downloaded into the module cache, its
# tree copied somewhere writable and built there: about 4.5 minutes on 2
# cores, a 233 MB binary, once. The binary lives outside the checkout:
# ${ONAIR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onair}/seaweedfs-<version>/weed.
# Concurrent runs are serialised with flock.
set -euo pipefail

version=v0.0.0-20261109003541-7506e5f91cd6
module=github.com/seaweedfs/seaweedfs
cache="${ONAIR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onair}"
dest="$cache/seaweedfs-$version"
bin="$dest/weed"

log() { echo "seaweedfs.sh: $*" >&2; }
die() { echo "seaweedfs.sh: error: $*" >&2; exit 1; }

ensure() {
  [ -x "$bin" ] && [ -f "$dest/.complete" ] && return 0
  command -v go >/dev/null || die "Go is required to build SeaweedFS"
  mkdir -p "$cache"
  exec 8>"$cache/seaweedfs.lock"
  flock 8
  [ -x "$bin" ] && [ -f "$dest/.complete" ] && return 0
  log "building SeaweedFS $version once into $dest (about 5 minutes)"
  local dir
  dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download $module@$version gave no source folder"
  src=$(mktemp -d "$cache/seaweedfs-src.XXXXXX")
  trap 'rm -rf "${src:-}"' EXIT
  cp -r "$dir/." "$src/"
  chmod -R u+w "$src"
  rm -rf "$dest"
  mkdir -p "$dest"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bin" ./weed) || die "go build of weed failed"
  touch "$dest/.complete"
  log "built $bin"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  path) [ -x "$bin" ] && [ -f "$dest/.complete" ] || die "SeaweedFS is not built yet; run: scripts/seaweedfs.sh ensure"; echo "$bin" ;;
  *) die "usage: $0 ensure|path" ;;
esac
