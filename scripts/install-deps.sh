#!/usr/bin/env bash
# Installs the Debian 12 packages iceway needs, only those missing, so `make run` and
# `make test` work on a fresh machine with nothing but these two commands.
#   scripts/install-deps.sh build   what building and running needs
#   scripts/install-deps.sh test    that, plus the real clients the tests drive
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libssl-dev nlohmann-json3-dev prometheus-cpp-dev
  libtoml11-dev libcli11-dev libspdlog-dev libcpp-jwt-dev libsystemd-dev
  libsimdjson-dev             # the PeerJS relay fast path's JSON validation (signal/relay_frame.cpp)
  libhiredis-dev              # [cluster]'s Redis link (signal/cluster/redis_connection.cpp)
  help2man gzip               # the .deb's man pages from --help and its changelog.gz (deploy/cpack.cmake)
)
test_packages=(
  libgtest-dev libgmock-dev
  coturn                      # only its client tools: turnutils_stunclient, _uclient, _peer
  redis-server                # the cluster tests' Redis (tests/integration/cluster.test.mjs)
  clang libclang-rt-14-dev    # libFuzzer and sanitizers
  chromium                    # the browser tests (driven by playwright-core from npm)
  prometheus                  # promtool and a real scraper for the dashboard test
  systemd iproute2 procps
  openssl                     # throwaway certificates for the TLS tests
  python3                     # NOTIFY_SOCKET of the sd_notify test, raw sockets of the spoofed flood (Node has neither)
  gnuplot-nox                 # the soak's plot of RSS, fds, allocations, connections and CPU (tests/soak)
  node-typescript             # tsc: sdk/iceway.d.ts type-checks an app's use of the SDK
  lintian man-db              # Debian's checks of the .deb; man -l renders its man pages
  mmdebstrap                  # a fresh Debian 12 root to install the .deb into (tests/ops/deb_install_test.sh)
)

packages=("${build_packages[@]}")
if [[ "${1:-build}" == test ]]; then
  packages+=("${test_packages[@]}")
  # Node.js and npm drive peerjs, y-webrtc and Playwright. A machine that already has them
  # (e.g. from NodeSource, whose nodejs bundles npm and conflicts with Debian's npm) keeps
  # its own; otherwise Debian's.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "iceway: installing missing Debian packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "iceway: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -qq
# coturn's package would start a TURN server of its own; iceway's tests use only its
# client tools, so keep the service from starting where a policy layer allows that.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
