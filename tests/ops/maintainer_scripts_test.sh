#!/usr/bin/env bash
# maintainer_scripts_test.sh DEBIAN_DIR
# Issue 14: the .deb's postinst, prerm and postrm (deploy/debian/) do to systemd what
# dh_installsystemd --no-start --restart-after-upgrade would: enable without starting on
# first installation; on upgrade reload systemd, then try-restart (a running server moves to
# the new binary, a stopped one stays stopped) but only when the new binary accepts the
# config; stop on remove and never on upgrade. The scripts run unchanged, as dpkg runs them,
# in a private mount namespace: /usr, /etc and /var are overlays (so the script's absolute
# paths, /usr/share/iceway/install.sh and what purge deletes, touch nothing real), /run a
# tmpfs with or without /run/systemd/system, and deb-systemd-invoke, deb-systemd-helper,
# systemctl and iceway are stand-ins on PATH that log their arguments.
set -euo pipefail
scripts=$(realpath "${1:?deploy/debian directory}")

if [[ ${2:-} != --inside ]]; then
  command -v unshare >/dev/null || { echo "unshare not installed"; exit 77; }
  # Root makes the namespace directly; anyone else through a user namespace.
  flags=(--mount --propagation private)
  [[ $(id -u) -eq 0 ]] || flags+=(--map-root-user)
  if ! unshare "${flags[@]}" true 2>/dev/null; then
    echo "cannot make a private mount namespace here (unshare ${flags[*]})"
    exit 77
  fi
  # The scratch directory is a tmpfs inside the namespace: made and removed out here.
  work=$(mktemp -d)
  trap 'rmdir "$work"' EXIT
  unshare "${flags[@]}" "$0" "$scripts" --inside "$work"
  exit
fi

work=$3
mount -t tmpfs iceway-test "$work"
for tree in usr etc var; do
  mkdir -p "$work/$tree.upper" "$work/$tree.work"
  mount -t overlay overlay -o "lowerdir=/$tree,upperdir=$work/$tree.upper,workdir=$work/$tree.work" "/$tree"
done
mount -t tmpfs run /run

log=$work/calls
stand_ins=$work/bin
mkdir -p "$stand_ins" /usr/share/iceway
for tool in deb-systemd-invoke deb-systemd-helper systemctl; do
  printf '#!/bin/sh\necho "%s $*" >> %s\n' "$tool" "$log" > "$stand_ins/$tool"
done
# iceway --check-config succeeds unless the test says the new version refuses the config.
printf '#!/bin/sh\necho "iceway $*" >> %s\n[ ! -e %s ]\n' "$log" "$work/refuse" > "$stand_ins/iceway"
printf '#!/bin/sh\necho "install.sh $*" >> %s\n' "$log" > /usr/share/iceway/install.sh
chmod +x "$stand_ins"/* /usr/share/iceway/install.sh
export PATH=$stand_ins:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run NAME SYSTEMD(running|absent) CONFIG(accepted|refused) SCRIPT ARGS... then the
# expected calls, one a line, on stdin.
run() {
  local name=$1 systemd=$2 config=$3 script=$4
  shift 4
  rm -rf /run/systemd "$log" "$work/refuse"
  : > "$log"
  [[ $systemd == running ]] && mkdir -p /run/systemd/system
  [[ $config == refused ]] && touch "$work/refuse"
  local expected
  expected=$(cat)
  if ! "$scripts/$script" "$@" > "$work/out" 2> "$work/err"; then
    fail "$name: $script $* exited non-zero: $(cat "$work/err")"
  fi
  if [[ $(cat "$log") != "$expected" ]]; then
    fail "$name: $script $* called
$(sed 's/^/    /' "$log")
  instead of
$(sed 's/^/    /' <<<"$expected")"
  fi
}

run "first installation enables without starting" running accepted postinst configure "" <<'EOF'
install.sh --package --no-systemctl
deb-systemd-helper enable iceway.service
systemctl --system daemon-reload
EOF
grep -q 'systemctl start iceway' "$work/out" || fail "first installation does not tell how to start"

run "first installation without systemd running" absent accepted postinst configure "" <<'EOF'
install.sh --package --no-systemctl
deb-systemd-helper enable iceway.service
EOF

run "upgrade reloads systemd, then restarts a running server" running accepted postinst configure 0.0.9 <<'EOF'
install.sh --package --no-systemctl
systemctl --system daemon-reload
iceway --check-config --config /etc/iceway/iceway.toml
deb-systemd-invoke try-restart iceway.service
EOF

run "upgrade to a version that refuses the config keeps the old server" running refused postinst configure 0.0.9 <<'EOF'
install.sh --package --no-systemctl
systemctl --system daemon-reload
iceway --check-config --config /etc/iceway/iceway.toml
EOF
grep -q 'not restarted' "$work/err" || fail "a refused config on upgrade is not reported: $(cat "$work/err")"

run "upgrade without systemd running touches no service" absent accepted postinst configure 0.0.9 <<'EOF'
install.sh --package --no-systemctl
EOF

run "upgrade does not stop the server before unpacking" running accepted prerm upgrade 0.2.0 <<'EOF'
EOF

run "remove stops the server" running accepted prerm remove <<'EOF'
deb-systemd-invoke stop iceway.service
EOF

run "remove without systemd running" absent accepted prerm remove <<'EOF'
EOF

run "remove masks the unit and starts nothing" running accepted postrm remove <<'EOF'
systemctl daemon-reload
deb-systemd-helper mask iceway.service
EOF

mkdir -p /etc/iceway/tls /var/lib/iceway
touch /etc/iceway/iceway.toml /etc/iceway/tls/fullchain.pem /etc/iceway/tls/privkey.pem /var/lib/iceway/state
run "purge forgets the unit and starts nothing" running accepted postrm purge <<'EOF'
systemctl daemon-reload
deb-systemd-helper purge iceway.service
deb-systemd-helper unmask iceway.service
EOF
[[ -e /etc/iceway || -e /var/lib/iceway ]] && fail "purge left /etc/iceway or /var/lib/iceway"

[[ $failures -eq 0 ]] && echo "ok: postinst, prerm and postrm enable, restart on upgrade, stop and purge as dh_installsystemd would"
exit $((failures > 0))
