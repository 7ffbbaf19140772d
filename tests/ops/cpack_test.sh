#!/usr/bin/env bash
# cpack_test.sh REPO CMAKE CPACK DEB_COPY [BUILD_DIR]
# Issues 5 and 14: `cpack -G DEB` builds a .deb holding the binary, unit, default config,
# dashboard, the copyright file, the changelog, man pages and the maintainer scripts.
# With BUILD_DIR (a build that has `iceway`, built): packages that build, so the package
# holds the real binary and the man pages help2man made from its --help. Without: builds
# deploy/cpack.cmake in a scratch project whose `iceway` is a stand-in program that prints
# a --help (so the test does not need app/ built). Then reads the package: files, control
# fields, maintainer scripts, copyright, changelog, man pages; runs the packaged install.sh
# in --package mode on the extracted tree, as the postinst would. Leaves the package at
# DEB_COPY for lintian_test.sh.
set -euo pipefail
repo=$1
cmake=$2
cpack=$3
deb_copy=$4
build_dir=${5:-}

for tool in dpkg-deb dpkg-shlibdeps dpkg-parsechangelog cc help2man man lexgrog gzip; do
  command -v "$tool" >/dev/null || { echo "$tool not installed"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }
rm -f "$deb_copy"

changelog_version=$(dpkg-parsechangelog -l "$repo/deploy/debian/changelog" -S Version)

# A scratch project around deploy/cpack.cmake, its `iceway` printing a CLI11-style --help.
scratch_project() { # DIR VERSION
  mkdir -p "$1"
  cat > "$1/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(iceway VERSION $2 LANGUAGES C)
add_executable(iceway main.c)
include("$repo/deploy/cpack.cmake")
EOF
  cat > "$1/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    puts("iceway " VERSION " (stand-in)");
  } else if (argc > 2 && strcmp(argv[1], "credentials") == 0) {
    puts("Print stand-in credentials\nUsage: iceway credentials [OPTIONS]\n\nOptions:\n"
         "  -h,--help                   Print this help message and exit\n"
         "  -u,--user TEXT REQUIRED     User id\n");
  } else if (argc > 1 && strcmp(argv[1], "--help") == 0) {
    puts("iceway: a stand-in for the packaging test.\nUsage: iceway [OPTIONS] [SUBCOMMAND]\n\n"
         "Options:\n  -h,--help                   Print this help message and exit\n"
         "  --stand-in-option           Only the stand-in has it\n\n"
         "Subcommands:\n  credentials                 Print stand-in credentials\n");
  }
  return 0;
}
EOF
  printf 'target_compile_definitions(iceway PRIVATE VERSION="%s")\n' "$2" >> "$1/CMakeLists.txt"
}

# The package's version is the project's, and the changelog must have an entry for it: a
# project version the changelog lacks is refused at configure time, saying what to do.
scratch_project "$work/unlisted" 9.8.7
if "$cmake" -S "$work/unlisted" -B "$work/unlisted/build" -G Ninja > "$work/unlisted.log" 2>&1; then
  fail "a project version (9.8.7) without a changelog entry was accepted"
else
  grep -q "(dch -v 9.8.7)" "$work/unlisted.log" || { cat "$work/unlisted.log"; fail "the refusal does not say what to do"; }
fi

if [[ -n $build_dir ]]; then
  [[ -x $build_dir/app/iceway && -f $build_dir/CPackConfig.cmake ]] ||
    { echo "FAIL: $build_dir has no built app/iceway or CPackConfig.cmake"; exit 1; }
  version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build_dir/CPackConfig.cmake")
  mkdir -p "$work/build"
  (cd "$work/build" && "$cpack" -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/build" > "$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log"; exit 1; }
  real_binary=1
else
  version=$changelog_version
  scratch_project "$work/src" "$version"
  "$cmake" -S "$work/src" -B "$work/build" -G Ninja > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
  "$cmake" --build "$work/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  (cd "$work/build" && "$cpack" -G DEB > "$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
  real_binary=0
fi
deb=$(ls "$work"/build/iceway_"$version"_*.deb 2>/dev/null | head -1)
[[ -n "$deb" ]] || { cat "$work/cpack.log"; echo "FAIL: no iceway_${version}_<arch>.deb"; exit 1; }

contents=$(dpkg-deb -c "$deb" | awk '{print $1, $6}')
for expected in "-rwxr-xr-x ./usr/bin/iceway" \
                "-rw-r--r-- ./usr/lib/systemd/system/iceway.service" \
                "-rw-r--r-- ./usr/share/iceway/iceway.toml" \
                "-rwxr-xr-x ./usr/share/iceway/install.sh" \
                "-rw-r--r-- ./usr/share/iceway/grafana/iceway.json" \
                "-rw-r--r-- ./usr/share/iceway/prometheus/prometheus.yml" \
                "-rw-r--r-- ./usr/share/iceway/prometheus/iceway-rules.yml" \
                "-rw-r--r-- ./usr/share/doc/iceway/copyright" \
                "-rw-r--r-- ./usr/share/doc/iceway/changelog.gz" \
                "-rw-r--r-- ./usr/share/doc/iceway/deploy.md" \
                "-rw-r--r-- ./usr/share/doc/iceway/configuration.md" \
                "-rw-r--r-- ./usr/share/doc/iceway/metrics.md" \
                "-rw-r--r-- ./usr/share/doc/iceway/signaling.md" \
                "-rw-r--r-- ./usr/share/man/man8/iceway.8.gz" \
                "-rw-r--r-- ./usr/share/man/man8/iceway-credentials.8.gz"; do
  grep -qxF -- "$expected" <<<"$contents" || fail "package lacks '$expected'"
done
grep -q ' ./etc/' <<<"$contents" && fail "package ships files under /etc (the config must not be a conffile)"

control() { dpkg-deb -f "$deb" "$1"; }
[[ $(control Package) == iceway ]] || fail "Package is not iceway"
[[ $(control Version) == "$version" ]] || fail "Version is not the project version $version"
[[ $(control Architecture) == "$(dpkg --print-architecture)" ]] || fail "Architecture is not this machine's"
depends=$(control Depends)
for dependency in libc6 passwd openssl; do
  grep -q "\b$dependency\b" <<<"$depends" || fail "Depends lacks $dependency: $depends"
done
if [[ $real_binary -eq 1 ]]; then
  for dependency in libssl3 libsystemd0; do
    grep -q "\b$dependency\b" <<<"$depends" || fail "Depends lacks the real binary's $dependency: $depends"
  done
fi
[[ -n $(control Maintainer) ]] || fail "no Maintainer"
description=$(control Description)
grep -q 'WebRTC' <<<"$description" || fail "no description"
grep -q ';' <<<"$description" && fail "the description carries CMake list separators: $description"

# The maintainer scripts are listed in the control archive and are the repository's.
info=$(dpkg-deb -I "$deb")
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\* +$script +#!/bin/sh$" <<<"$info" ||
    fail "dpkg-deb -I does not list an executable $script"
  [[ -x "$work/control/$script" ]] || fail "$script missing or not executable"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
  cmp -s "$work/control/$script" "$repo/deploy/debian/$script" || fail "$script differs from deploy/debian/$script"
done
grep -q 'deb-systemd-invoke try-restart iceway.service' "$work/control/postinst" ||
  fail "the postinst does not restart a running iceway on upgrade"

# The packaged files are the repository's, byte for byte.
dpkg-deb -x "$deb" "$work/root"
doc=$work/root/usr/share/doc/iceway
cmp -s "$work/root/usr/lib/systemd/system/iceway.service" "$repo/systemd/iceway.service" || fail "unit differs"
cmp -s "$work/root/usr/share/iceway/iceway.toml" "$repo/deploy/iceway.toml" || fail "default config differs"
cmp -s "$work/root/usr/share/iceway/grafana/iceway.json" "$repo/deploy/grafana/iceway.json" || fail "dashboard differs"
cmp -s "$doc/copyright" "$repo/deploy/debian/copyright" || fail "copyright differs from deploy/debian/copyright"

# copyright: DEP-5 (machine-readable) with the LICENSE's license. Every Files paragraph
# names a license that a stand-alone License paragraph spells out.
head -1 "$doc/copyright" | grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ||
  fail "copyright is not in the machine-readable format (no Format: line)"
grep -qx 'Upstream-Name: iceway' "$doc/copyright" || fail "copyright has no Upstream-Name"
grep -q 'Apache License' "$repo/LICENSE" && grep -q 'Version 2.0, January 2004' "$repo/LICENSE" ||
  fail "the repository's LICENSE is not the Apache License 2.0 the copyright names"
files_licenses=$(awk '/^Files:/ {files=1} /^$/ {files=0} files && /^License:/ {print $2}' "$doc/copyright" | sort -u)
stand_alone=$(awk 'BEGIN {start=1} /^$/ {start=1; next} start && /^License:/ {print $2} {start=0}' "$doc/copyright" | sort -u)
[[ $files_licenses == Apache-2.0 ]] || fail "the Files paragraphs' licenses are '$files_licenses', not Apache-2.0"
for license in $files_licenses; do
  grep -qxF "$license" <<<"$stand_alone" || fail "no stand-alone License: $license paragraph"
done
grep -q '/usr/share/common-licenses/Apache-2.0' "$doc/copyright" || fail "copyright does not point at common-licenses"

# changelog.gz: the repository's changelog, gzip -9n (no file name, no time stamp), whose
# newest entry is this package's version.
gzip -t "$doc/changelog.gz" || fail "changelog.gz is not gzip"
zcat "$doc/changelog.gz" | cmp -s - "$repo/deploy/debian/changelog" || fail "changelog.gz differs from deploy/debian/changelog"
header=$(od -An -tx1 -N10 "$doc/changelog.gz" | tr -d ' \n')
[[ ${header:6:2} == 00 && ${header:8:8} == 00000000 ]] ||
  fail "changelog.gz carries a name or a time stamp (header $header): not gzip -n"
zcat "$doc/changelog.gz" > "$work/changelog"
[[ $(dpkg-parsechangelog -l "$work/changelog" -S Version) == "$version" ]] ||
  fail "the changelog's newest entry is not $version"

# Man pages: man renders them without groff warnings, mandb can index their NAME lines,
# and they document the packaged binary's own options.
for page in iceway iceway-credentials; do
  file=$work/root/usr/share/man/man8/$page.8.gz
  [[ -f $file ]] || continue
  rendered=$(MANWIDTH=100 man --warnings -l "$file" 2>"$work/man.err") || fail "man -l $page.8.gz failed"
  [[ -s $work/man.err ]] && { cat "$work/man.err"; fail "man -l $page.8.gz warns"; }
  grep -q "^NAME" <<<"$rendered" || fail "$page.8 renders no NAME section"
  lexgrog "$file" | grep -q "\"$page - " || fail "$page.8's NAME line is not indexable: $(lexgrog "$file")"
  zcat "$file" | grep -q '^\.TH '"${page^^}"' "8" ' || fail "$page.8 is not titled ${page^^}(8)"
done
manual=$(MANWIDTH=200 man -l "$work/root/usr/share/man/man8/iceway.8.gz" 2>/dev/null)
grep -q 'iceway-credentials(8)' <<<"$manual" || fail "iceway.8 does not refer to iceway-credentials(8)"
grep -q '/etc/iceway/iceway.toml' <<<"$manual" || fail "iceway.8 has no FILES section naming the config"
packaged=$work/root/usr/bin/iceway
if [[ $real_binary -eq 1 ]]; then
  # The real binary, not the stand-in: it runs, reports the package's version, and the
  # man page holds its options.
  "$packaged" --version | grep -q "^iceway $version " || fail "packaged iceway --version: $("$packaged" --version 2>&1)"
  "$packaged" --help | grep -q -- '--check-config' || fail "the packaged iceway is not the real one (no --check-config)"
  grep -q -- '--check-config' <<<"$manual" || fail "iceway.8 does not document --check-config"
else
  grep -q -- '--stand-in-option' <<<"$manual" || fail "iceway.8 is not made from the binary's --help"
fi

# The postinst's step, in the extracted tree: writes the config once.
mkdir -p "$work/root/etc"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$work/root/etc/passwd"
printf 'root:x:0:\n' > "$work/root/etc/group"
"$work/root/usr/share/iceway/install.sh" --package --root "$work/root" > "$work/package.out" 2>&1 ||
  { cat "$work/package.out"; fail "install.sh --package failed"; }
[[ -f "$work/root/etc/iceway/iceway.toml" ]] || fail "install.sh --package wrote no config"
grep -q '^secrets = \["[0-9a-f]\{64\}"\]' "$work/root/etc/iceway/iceway.toml" || fail "no generated secret"
[[ -e "$work/root/etc/systemd/system/iceway.service" ]] && fail "--package installed a second copy of the unit"

if [[ $status -eq 0 ]]; then
  cp "$deb" "$deb_copy"
  binary="a stand-in binary"
  [[ $real_binary -eq 1 ]] && binary="the real binary"
  echo "ok: $(basename "$deb") holds $binary, unit, config, dashboard, docs, copyright, changelog and man pages"
fi
exit $status
