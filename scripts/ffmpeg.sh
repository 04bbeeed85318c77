#!/usr/bin/env bash
# ffmpeg.sh — provides FFmpeg 7.1 development libraries for onair.
#
#   scripts/ffmpeg.sh ensure   make FFmpeg 7.x available (build it if needed)
#   scripts/ffmpeg.sh env      print the shell exports that builds need
#   scripts/ffmpeg.sh prefix   print the install prefix in use ("" = system)
#
# Order of preference:
#   1. FFmpeg 7.x already found by pkg-config (libavcodec major 61): used as is.
#   2. A previous build in the cache prefix: reused.
#   3. Otherwise (Debian 12 ships 5.1) Debian trixie's FFmpeg 7.1 source
#      package is fetched with apt-get source and built into the cache prefix
#      with shared libraries, GPL, lame, opus, vorbis and x264, drawtext
#      (freetype, fontconfig, harfbuzz, fribidi), SRT, VAAPI, and
#      NVENC/NVDEC through trixie's nv-codec-headers (headers only, used at
#      build time; CUDA is loaded at run time when a GPU is there).
#
# The cache lives outside the checkout: ${ONAIR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onair}.
# Concurrent runs are serialised with flock. Libraries are linked with a
# DT_RPATH (not RUNPATH), so indirect dependencies such as libpostproc resolve
# without LD_LIBRARY_PATH.
set -euo pipefail

cache="${ONAIR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onair}"
want_major=61 # libavcodec major of FFmpeg 7.x
# build_rev changes when the build's configuration changes: a cached build
# of an older revision is rebuilt by "ensure" (and still used by "env"
# until then). 2: NVENC/NVDEC. 3: drawtext (freetype, fontconfig, harfbuzz,
# fribidi) and SRT (libsrt).
build_rev=3

log() { echo "ffmpeg.sh: $*" >&2; }
die() { echo "ffmpeg.sh: error: $*" >&2; exit 1; }

system_ok() {
  local v
  v=$(PKG_CONFIG_PATH="${ONAIR_SYSTEM_PKG_CONFIG_PATH:-}" pkg-config --modversion libavcodec 2>/dev/null) || return 1
  [ "${v%%.*}" = "$want_major" ]
}

# cached_prefix prints the newest complete cached build, if any; with
# "current", only one of this script's build revision.
cached_prefix() {
  local d
  for d in $(ls -1d "$cache"/ffmpeg-7.1* 2>/dev/null | sort -rV); do
    [ -f "$d/.complete" ] || continue
    if [ "${1:-}" = current ] && [ "$(cat "$d/.build-rev" 2>/dev/null || echo 1)" != "$build_rev" ]; then continue; fi
    echo "$d"; return 0
  done
  return 1
}

print_env() {
  local p
  if system_ok; then return 0; fi
  p=$(cached_prefix) || die "FFmpeg 7.1 is not provisioned yet; run: scripts/ffmpeg.sh ensure"
  echo "export ONAIR_FFMPEG_PREFIX='$p'"
  echo "export PKG_CONFIG_PATH='$p/lib/pkgconfig'\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}"
  echo "export CGO_LDFLAGS='-Wl,-rpath,$p/lib -Wl,--disable-new-dtags'"
  echo "export PATH='$p/bin':\$PATH"
}

need_root() {
  if [ "$(id -u)" != 0 ]; then
    die "FFmpeg 7.1 development libraries are missing and building them needs root (apt-get).
  Install them yourself and re-run:
    Debian 13 / Ubuntu 25.04+: sudo apt install libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev libswresample-dev libswscale-dev libavutil-dev libpostproc-dev ffmpeg pkg-config
    macOS:                     brew install ffmpeg@7 pkg-config
  or run this script as root to build FFmpeg 7.1 into $cache."
  fi
}

apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing with apt: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# add_trixie_src adds a deb-src entry for trixie that reuses the Debian URI
# already configured on this machine (no host name is written here).
add_trixie_src() {
  local list=/etc/apt/sources.list.d/onair-trixie-src.sources uri
  [ -f "$list" ] && return 0
  uri=$( (cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/{print $2}';
          (grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true) | awk '{for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//){print $i; break}}') |
        grep -v -- '-security' | grep -E '/debian/?$' | head -n1 || true)
  [ -n "$uri" ] || die "no Debian archive URI found in /etc/apt/sources.list*; add a deb-src entry for trixie by hand"
  log "adding deb-src for trixie from $uri"
  cat >"$list" <<SRC
Types: deb-src
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
}

# fetch_nv_headers unpacks the upstream tarball of trixie's nv-codec-headers
# into DIR/nvh, checked against the SHA-256 of the archive's source index.
# (Only the upstream tarball is needed; apt-get source also wants the Debian
# part, which some mirrors no longer serve for superseded versions.)
fetch_nv_headers() {
  local dir=$1 uri info dsc file sum
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/onair-trixie-src.sources)
  info=$(apt-cache showsrc nv-codec-headers 2>/dev/null | awk -v RS= '/Version: 12\./{print; exit}')
  [ -n "$info" ] || return 1
  dsc=$(echo "$info" | awk '/^Directory:/{print $2}')
  read -r sum file < <(echo "$info" | awk '/^Checksums-Sha256:/{f=1; next} /^[A-Z]/{f=0} f && $3 ~ /orig\.tar/ {print $1, $3; exit}')
  [ -n "$file" ] && [ -n "$dsc" ] || return 1
  curl -fsSL -o "$dir/$file" "${uri%/}/$dsc/$file" || return 1
  echo "$sum  $dir/$file" | sha256sum -c --quiet - >&2 || return 1
  mkdir -p "$dir/nvh" && tar -xf "$dir/$file" -C "$dir/nvh" --strip-components=1
}

build() {
  need_root
  apt_install build-essential dpkg-dev pkg-config nasm xz-utils \
    libmp3lame-dev libopus-dev libvorbis-dev libx264-dev libva-dev curl \
    libfreetype-dev libfontconfig-dev libharfbuzz-dev libfribidi-dev libsrt-openssl-dev
  add_trixie_src
  work=$(mktemp -d "$cache/src.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # FFmpeg 7.1 needs nv-codec-headers 12.x for NVENC/NVDEC; Debian 12 has
  # 11.1. Trixie's source package is headers and a .pc file only.
  local nvpc=""
  if fetch_nv_headers "$work" && make -C "$work/nvh" PREFIX="$work/nv" install >&2; then
    nvpc="$work/nv/lib/pkgconfig"
  else
    log "warning: trixie's nv-codec-headers could not be fetched: building without NVENC/NVDEC"
  fi
  log "fetching Debian trixie's ffmpeg source package"
  (cd "$work" && apt-get source -qq ffmpeg/trixie >&2) || die "apt-get source ffmpeg/trixie failed"
  local src; src=$(ls -1d "$work"/ffmpeg-*/ | head -n1)
  [ -d "$src" ] || die "source package did not unpack"
  local ver; ver=$(basename "$src"); ver=${ver#ffmpeg-}
  case "$ver" in 7.1*) ;; *) die "trixie's ffmpeg is $ver, expected 7.1.x";; esac
  # A new directory per build revision: the previous build stays usable
  # (by "env") until this one is complete.
  local prefix="$cache/ffmpeg-$ver-r$build_rev"
  rm -rf "$prefix"
  log "building FFmpeg $ver into $prefix (about 7-13 minutes on 2 cores)"
  local t0=$SECONDS
  (
    cd "$src"
    PKG_CONFIG_PATH="$nvpc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" ./configure --prefix="$prefix" \
      --enable-shared --disable-static --enable-gpl --enable-rpath \
      --extra-ldflags="-Wl,--disable-new-dtags" \
      --enable-libmp3lame --enable-libopus --enable-libvorbis --enable-libx264 \
      --enable-libfreetype --enable-libfontconfig --enable-libharfbuzz --enable-libfribidi \
      --enable-libsrt \
      --disable-doc --disable-htmlpages --disable-manpages --disable-podpages --disable-txtpages \
      --disable-debug --disable-stripping >&2
    make -j"$(nproc)" >&2
    make install >&2
  ) || die "FFmpeg build failed (see the output above)"
  echo "$build_rev" >"$prefix/.build-rev"
  touch "$prefix/.complete"
  local d
  for d in "$cache"/ffmpeg-7.1*; do # older builds are not used any more
    [ "$d" = "$prefix" ] || rm -rf "$d"
  done
  log "FFmpeg $ver built in $((SECONDS - t0)) s"
  rm -rf "$work"
}

ensure() {
  if system_ok; then log "using system FFmpeg $(pkg-config --modversion libavcodec)"; return 0; fi
  mkdir -p "$cache"
  exec 9>"$cache/ffmpeg.lock"
  flock 9
  local p
  if p=$(cached_prefix current); then log "using cached FFmpeg in $p"; return 0; fi
  build
}

case "${1:-ensure}" in
  ensure) ensure ;;
  env) print_env ;;
  prefix) if system_ok; then echo ""; else cached_prefix; fi ;;
  *) die "usage: $0 ensure|env|prefix" ;;
esac
