#!/usr/bin/env bash
# hlsjs.sh — provides hls.js, the browser HLS player that the Chromium
# playback test of mux/hls loads (the stream played from the S3 bucket).
#
#   scripts/hlsjs.sh ensure   fetch it once into the cache if missing
#   scripts/hlsjs.sh path     print hls.min.js's path (fails if missing)
#
# The pinned release is fetched from the npm registry with npm pack (npm
# checks the tarball against the registry's integrity; this script checks
# it again against the SHA-512 pinned below), and only dist/hls.min.js and
# the LICENSE are kept, outside the checkout:
# ${ONAIR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onair}/hlsjs-<version>/.
# Concurrent runs are serialised with flock.
set -euo pipefail

version=1.6.15
# sha512 of hls.js-$version.tgz (npm's integrity field, in hex).
sha512=1376b95708178a6187c2944657e5b145329e4a9d835b90c8e4c5afdf8ba52f7b7950d9b2256090d4a98b1076d8cdc7d385f5c6f1a9812fe7c260f9de1870b854
cache="${ONAIR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onair}"
dest="$cache/hlsjs-$version"
file="$dest/hls.min.js"

log() { echo "hlsjs.sh: $*" >&2; }
die() { echo "hlsjs.sh: error: $*" >&2; exit 1; }

ready() { [ -s "$file" ] && [ -f "$dest/.complete" ]; }

ensure() {
  ready && return 0
  command -v npm >/dev/null || die "npm is required to fetch hls.js $version (Node.js; Debian package npm)"
  mkdir -p "$cache"
  exec 8>"$cache/hlsjs.lock"
  flock 8
  ready && return 0
  log "fetching hls.js $version once into $dest"
  tmp=$(mktemp -d "$cache/hlsjs-tmp.XXXXXX")
  trap 'rm -rf "${tmp:-}"' EXIT
  (cd "$tmp" && npm pack --silent "hls.js@$version" >/dev/null) || die "npm pack hls.js@$version failed"
  tgz="$tmp/hls.js-$version.tgz"
  [ -f "$tgz" ] || die "npm pack gave no $tgz"
  echo "$sha512  $tgz" | sha512sum -c --quiet - || die "hls.js-$version.tgz does not match the pinned sha512"
  tar -xzf "$tgz" -C "$tmp" package/dist/hls.min.js package/LICENSE || die "hls.js-$version.tgz lacks dist/hls.min.js"
  rm -rf "$dest"
  mkdir -p "$dest"
  mv "$tmp/package/dist/hls.min.js" "$tmp/package/LICENSE" "$dest/"
  touch "$dest/.complete"
  log "fetched $file"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  path) ready || die "hls.js $version is not fetched yet; run: scripts/hlsjs.sh ensure (or scripts/test-deps.sh)"; echo "$file" ;;
  *) die "usage: $0 ensure|path" ;;
esac
