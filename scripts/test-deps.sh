#!/usr/bin/env bash
# test-deps.sh — installs the programs the tests run against (real peers),
# idempotently. Needs root (apt-get) only when something is missing.
set -euo pipefail

pkgs=(
  # add Debian packages the tests need here, one per line
  sound-theme-freedesktop # decode: real Vorbis files (/usr/share/sounds/freedesktop)
  alsa-utils              # decode: real WAV files (/usr/share/sounds/alsa)
  ezstream                # decode/harbor: libshout source client (probe, URL-encoded metadata)
  oggfwd                  # decode/harbor: libshout Ogg source client
  gstreamer1.0-tools      # decode/harbor: gst-launch-1.0 for shout2send
  gstreamer1.0-plugins-good # decode/harbor: shout2send, lamemp3enc
  liquidsoap              # decode/harbor: liquidsoap output.icecast as a source client
  libasound2-dev          # speaker: ALSA headers for oto's cgo build (null device tests)
  icecast2                # mux/icecast: the Icecast server the source client streams to (internal/peertest)
  nginx                   # mux/rtmp: the RTMP server (with the module below) the output publishes to (internal/peertest)
  libnginx-mod-rtmp       # mux/rtmp: nginx's RTMP module (live application, on_publish)
  srt-tools               # mux/srt, decode: srt-live-transmit as the SRT peer (caller and listener)
  flac                    # mux: metaflac and flac -t check the FLAC header (sample count, MD5) of graph output
  loudgain                # loudness: libebur128 (through loudgain) is a reference meter the analyzer is compared with
  prometheus              # metrics: the Prometheus server that scrapes a station, and promtool check metrics
  fonts-dejavu-core       # filter, examples/video: DejaVuSans.ttf for the drawtext tests (compared with the ffmpeg program's rendering)
  chromium                # examples/radio, internal/rtc/page, mux/hls: headless browser for the live page, WHEP and WHIP, hls.js (chromedp)
)

# SeaweedFS, the S3 server of the HLS-to-S3 tests, is a Go program built
# once into the cache (minutes the first time, nothing later).
"$(dirname "$0")/seaweedfs.sh" ensure

# hls.js, the browser player of the Chromium playback test of mux/hls, is
# fetched once from the npm registry into the cache (at the end): it needs
# npm, which Debian's package brings where the machine has no Node.js.
command -v npm >/dev/null || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exec "$(dirname "$0")/hlsjs.sh" ensure
fi
if [ "$(id -u)" != 0 ]; then
  echo "test-deps.sh: missing packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "test-deps.sh: installing ${missing[*]}" >&2
exec 9>/tmp/onair-apt.lock
flock 9
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
"$(dirname "$0")/hlsjs.sh" ensure
