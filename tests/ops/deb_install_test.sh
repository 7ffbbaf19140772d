#!/usr/bin/env bash
# deb_install_test.sh DEB
# Issue 14 part 6: the .deb (cpack_test.sh built it, with the real binary) installs into a fresh
# Debian 12 root made by Debian's mmdebstrap, with its dependencies from Debian, and the server
# starts there as its systemd unit would start it: as the unit's User= and Group=, with only the
# unit's capabilities, on the config the package wrote, in a network namespace of this test's
# own (loopback and one end of a veth pair, so nothing else on the machine is touched). It answers
# a STUN Binding and, over the control socket, `iceway ctl status`; SIGTERM ends it with 0.
set -uo pipefail
deb=${1:?the .deb}
[[ -f $deb ]] || { echo "FAIL: no package at $deb (ops.cpack_builds_a_deb_with_everything makes it)"; exit 1; }
command -v mmdebstrap >/dev/null || { echo "mmdebstrap not installed"; exit 77; }
command -v turnutils_stunclient >/dev/null || { echo "turnutils_stunclient not installed"; exit 77; }
[[ $(id -u) -eq 0 ]] || { echo "needs root (chroot, network namespace)"; exit 77; }

root=$(mktemp -d /tmp/iceway-deb-root.XXXXXX)
ns=iceway-deb-$$
pid=""
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
cleanup() {
  [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
  for mount in "$root/run" "$root/dev" "$root/proc"; do mountpoint -q "$mount" && umount -l "$mount"; done
  ip netns delete "$ns" 2>/dev/null  # takes the veth pair with it
  rm -rf "$root"
}
trap cleanup EXIT

# --- install -----------------------------------------------------------------------------------
package=$(basename "$deb")
if ! mmdebstrap --quiet --variant=apt --mode=root bookworm "$root" \
     --customize-hook="copy-in $deb /tmp" \
     --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/$package" \
     > "$root.log" 2>&1; then
  cat "$root.log"; rm -f "$root.log"
  echo "FAIL: the package does not install into a fresh Debian 12 root"
  exit 1
fi
rm -f "$root.log"
ok "installed into a fresh bookworm root with its dependencies from Debian"

in_root() { chroot "$root" "$@"; }
unit=$root/usr/lib/systemd/system/iceway.service
[[ -f $unit ]] || { echo "FAIL: no unit at /usr/lib/systemd/system/iceway.service"; exit 1; }
setting() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
user=$(setting User)
group=$(setting Group)
exec_start=$(setting ExecStart)
capabilities=$(setting AmbientCapabilities)
runtime_dir=$(setting RuntimeDirectory)
[[ -n $user && -n $group && -n $exec_start ]] || { echo "FAIL: the unit names no User=, Group= or ExecStart="; exit 1; }

in_root getent passwd "$user" >/dev/null && ok "the package made the user $user" || fail "no user $user"
[[ $(in_root stat -c '%U:%G %a' /etc/iceway) == "root:$group 750" ]] && ok "/etc/iceway is root:$group 0750" ||
  fail "/etc/iceway is $(in_root stat -c '%U:%G %a' /etc/iceway)"
[[ $(in_root stat -c '%U:%G %a' /etc/iceway/iceway.toml) == "root:$group 640" ]] && ok "its config is root:$group 0640" ||
  fail "/etc/iceway/iceway.toml is $(in_root stat -c '%U:%G %a' /etc/iceway/iceway.toml)"
in_root iceway --check-config --config /etc/iceway/iceway.toml >/dev/null 2>&1 && ok "the written config passes --check-config" ||
  fail "the config the package wrote is refused: $(in_root iceway --check-config --config /etc/iceway/iceway.toml 2>&1)"

# --- start as the unit would --------------------------------------------------------------------
ip netns add "$ns" || { echo "FAIL: cannot create a network namespace"; exit 1; }
ip -n "$ns" link set lo up
# The relay address comes from the interfaces (turn.relay_ipv4 empty): one private address, on
# the namespace's end of a veth pair whose other end stays down and without an address.
veth=vdeb$$
ip link add "${veth}h" type veth peer name "${veth}n" netns "$ns" &&
  ip -n "$ns" addr add 10.77.0.1/24 dev "${veth}n" && ip -n "$ns" link set "${veth}n" up ||
  { echo "FAIL: cannot give the namespace an interface"; exit 1; }
mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" && mount -t tmpfs -o mode=0755 tmpfs "$root/run"
# What systemd makes before ExecStart: RuntimeDirectory= and StateDirectory= owned by User=.
if [[ -n $runtime_dir ]]; then
  mkdir -p "$root/run/$runtime_dir"
  chown "$(in_root id -u "$user"):$(in_root id -g "$user")" "$root/run/$runtime_dir"
  chmod 0755 "$root/run/$runtime_dir"
fi
caps=""
for cap in $capabilities; do caps+="${caps:+,}+${cap#CAP_}"; done
caps=${caps,,}
# ip netns exec, chroot and setpriv each exec the next, so the PID started here is the server's.
as_unit=(ip netns exec "$ns" chroot "$root" setpriv --reuid="$user" --regid="$group" --init-groups)
[[ -n $caps ]] && as_unit+=(--inh-caps="$caps" --ambient-caps="$caps")
as_unit+=(--bounding-set="-all${caps:+,$caps}" --no-new-privs --)
read -r -a command_line <<<"$exec_start"
"${as_unit[@]}" "${command_line[@]}" > "$root/tmp/iceway.log" 2>&1 &
pid=$!

stun_ok=0
for _ in $(seq 1 100); do
  if ip netns exec "$ns" timeout 5 turnutils_stunclient -p 3478 127.0.0.1 2>&1 | grep -q "UDP reflexive addr: 127.0.0.1"; then
    stun_ok=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [[ $stun_ok -eq 1 ]]; then ok "a STUN Binding on udp 3478 is answered"; else fail "no STUN answer"; cat "$root/tmp/iceway.log"; fi

status=/proc/$pid/status
if [[ -r $status ]]; then
  [[ $(awk '/^Uid:/ { print $2 }' "$status") == "$(in_root id -u "$user")" ]] && ok "it runs as $user" ||
    fail "it runs as uid $(awk '/^Uid:/ { print $2 }' "$status")"
  expected=0000000000000000
  [[ $caps == *net_bind_service* ]] && expected=0000000000000400
  [[ $(awk '/^CapEff:/ { print $2 }' "$status") == "$expected" ]] && ok "its effective capabilities are the unit's ($expected)" ||
    fail "effective capabilities $(awk '/^CapEff:/ { print $2 }' "$status"), the unit allows $expected"
else
  fail "the server is not running"
fi

if output=$("${as_unit[@]}" /usr/bin/iceway ctl status 2>&1) && grep -qi "ready" <<<"$output"; then
  ok "iceway ctl status answers: $(head -n 1 <<<"$output")"
else
  fail "iceway ctl status: $output"
fi

kill -TERM "$pid" 2>/dev/null
code=124
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; code=$?; break; fi
  sleep 0.1
done
pid=""
[[ $code -eq 0 ]] && ok "SIGTERM ends it with 0" || { fail "SIGTERM: exit $code"; cat "$root/tmp/iceway.log"; }

[[ $failures -eq 0 ]] || exit 1
echo "ok: the .deb installs into Debian 12 and runs as its unit says"
