#!/usr/bin/env bash
# cpack_test.sh REPO CMAKE CPACK
# Issue 5: `cpack -G DEB` builds a .deb holding the binary, unit, default config and
# dashboard. Builds deploy/cpack.cmake in a scratch project whose `iceway` target is a
# stand-in program (so this test does not depend on the real binary being built), then
# reads the package: files, control fields, maintainer scripts. Finally runs the packaged
# install.sh in --package mode on the extracted tree, as the postinst would.
set -euo pipefail
repo=$1
cmake=$2
cpack=$3

for tool in dpkg-deb dpkg-shlibdeps cc; do
  command -v "$tool" >/dev/null || { echo "$tool not installed"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

mkdir -p "$work/src"
cat > "$work/src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(iceway VERSION 9.8.7 LANGUAGES C)
add_executable(iceway main.c)
include("$repo/deploy/cpack.cmake")
EOF
printf 'int main(void) { return 0; }\n' > "$work/src/main.c"
"$cmake" -S "$work/src" -B "$work/build" -G Ninja > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
"$cmake" --build "$work/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
(cd "$work/build" && "$cpack" -G DEB > "$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/build/iceway_9.8.7_*.deb 2>/dev/null | head -1)
[[ -n "$deb" ]] || { cat "$work/cpack.log"; echo "FAIL: no iceway_9.8.7_<arch>.deb"; exit 1; }

contents=$(dpkg-deb -c "$deb" | awk '{print $1, $6}')
for expected in "-rwxr-xr-x ./usr/bin/iceway" \
                "-rw-r--r-- ./usr/lib/systemd/system/iceway.service" \
                "-rw-r--r-- ./usr/share/iceway/iceway.toml" \
                "-rwxr-xr-x ./usr/share/iceway/install.sh" \
                "-rw-r--r-- ./usr/share/iceway/grafana/iceway.json" \
                "-rw-r--r-- ./usr/share/iceway/prometheus/prometheus.yml" \
                "-rw-r--r-- ./usr/share/iceway/prometheus/iceway-rules.yml" \
                "-rw-r--r-- ./usr/share/doc/iceway/deploy.md" \
                "-rw-r--r-- ./usr/share/doc/iceway/configuration.md" \
                "-rw-r--r-- ./usr/share/doc/iceway/metrics.md" \
                "-rw-r--r-- ./usr/share/doc/iceway/signaling.md"; do
  grep -qxF -- "$expected" <<<"$contents" || fail "package lacks '$expected'"
done
grep -q ' ./etc/' <<<"$contents" && fail "package ships files under /etc (the config must not be a conffile)"

control() { dpkg-deb -f "$deb" "$1"; }
[[ $(control Package) == iceway ]] || fail "Package is not iceway"
[[ $(control Version) == 9.8.7 ]] || fail "Version is not the project version"
[[ $(control Architecture) == "$(dpkg --print-architecture)" ]] || fail "Architecture is not this machine's"
depends=$(control Depends)
for dependency in libc6 passwd openssl; do
  grep -q "\b$dependency\b" <<<"$depends" || fail "Depends lacks $dependency: $depends"
done
[[ -n $(control Maintainer) ]] || fail "no Maintainer"
description=$(control Description)
grep -q 'WebRTC' <<<"$description" || fail "no description"
grep -q ';' <<<"$description" && fail "the description carries CMake list separators: $description"

dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  [[ -x "$work/control/$script" ]] || fail "$script missing or not executable"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
done

# The packaged files are the repository's, byte for byte.
dpkg-deb -x "$deb" "$work/root"
cmp -s "$work/root/usr/lib/systemd/system/iceway.service" "$repo/systemd/iceway.service" || fail "unit differs"
cmp -s "$work/root/usr/share/iceway/iceway.toml" "$repo/deploy/iceway.toml" || fail "default config differs"
cmp -s "$work/root/usr/share/iceway/grafana/iceway.json" "$repo/deploy/grafana/iceway.json" || fail "dashboard differs"

# The postinst's step, in the extracted tree: writes the config once.
mkdir -p "$work/root/etc"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$work/root/etc/passwd"
printf 'root:x:0:\n' > "$work/root/etc/group"
"$work/root/usr/share/iceway/install.sh" --package --root "$work/root" > "$work/package.out" 2>&1 ||
  { cat "$work/package.out"; fail "install.sh --package failed"; }
[[ -f "$work/root/etc/iceway/iceway.toml" ]] || fail "install.sh --package wrote no config"
grep -q '^secrets = \["[0-9a-f]\{64\}"\]' "$work/root/etc/iceway/iceway.toml" || fail "no generated secret"
[[ -e "$work/root/etc/systemd/system/iceway.service" ]] && fail "--package installed a second copy of the unit"

[[ $status -eq 0 ]] && echo "ok: $(basename "$deb") holds the binary, unit, config, dashboard and docs"
exit $status
