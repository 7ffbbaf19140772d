#!/bin/sh
# systemd_verify.sh UNIT BINARY
# SPEC §8: `systemd-analyze verify` passes on systemd/iceway.service, and the unit has the
# settings the SPEC and issues 5 and 14 promise. verify insists that every Exec line's binary
# exists, so it runs on a temporary copy whose ExecStart and ExecReload name BINARY (the
# built iceway when there is one); the test first proves that these are the only lines that
# differ from the real unit.
# Any line of verify's output that is about the unit fails the test. Exit 77 = skipped.
set -eu
unit=$1
binary=$2

command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not installed"; exit 77; }
[ -x "$binary" ] || { echo "FAIL: $binary is not executable"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy=$work/iceway.service
sed -e "s|^ExecStart=/usr/bin/iceway |ExecStart=$binary |" \
    -e "s|^ExecReload=/usr/bin/iceway |ExecReload=$binary |" "$unit" > "$copy"

status=0
fail() { echo "FAIL: $*"; status=1; }

# Only the two lines naming /usr/bin/iceway may differ, and they must have differed (else sed
# matched nothing and the unit no longer starts or checks with /usr/bin/iceway).
changed=$(diff "$unit" "$copy" | grep -c '^[<>]' || true)
[ "$changed" -eq 4 ] || fail "expected exactly ExecStart and ExecReload to change, $changed lines differ"

# The promises of SPEC §8 and issue 5, as exact lines.
for line in \
  'Type=notify' \
  'WatchdogSec=30s' \
  'ExecStart=/usr/bin/iceway --config /etc/iceway/iceway.toml' \
  'ExecReload=/usr/bin/iceway --config /etc/iceway/iceway.toml ctl reload' \
  'RuntimeDirectory=iceway' \
  'User=iceway' \
  'AmbientCapabilities=CAP_NET_BIND_SERVICE' \
  'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' \
  'LimitNOFILE=1048576' \
  'NoNewPrivileges=yes' \
  'ProtectSystem=strict' \
  'ProtectHome=yes' \
  'PrivateTmp=yes' \
  'PrivateDevices=yes' \
  'ProtectKernelTunables=yes' \
  'ProtectKernelModules=yes' \
  'ProtectKernelLogs=yes' \
  'ProtectControlGroups=yes' \
  'ProtectClock=yes' \
  'ProtectHostname=yes' \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK' \
  'RestrictNamespaces=yes' \
  'RestrictRealtime=yes' \
  'RestrictSUIDSGID=yes' \
  'LockPersonality=yes' \
  'MemoryDenyWriteExecute=yes' \
  'SystemCallFilter=@system-service' \
  'SystemCallArchitectures=native' \
  'ConfigurationDirectory=iceway' \
  'StateDirectory=iceway' \
  'WantedBy=multi-user.target'; do
  grep -qxF "$line" "$unit" || fail "missing line: $line"
done

# drain_timeout defaults to 30s; systemd must not kill a drain that is still in time.
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
[ -n "$stop" ] && [ "$stop" -gt 30 ] || fail "TimeoutStopSec must exceed the 30s drain_timeout"

output=$(systemd-analyze verify "$copy" 2>&1) || fail "systemd-analyze verify exited non-zero"
if [ -n "$output" ]; then
  echo "systemd-analyze verify said:"
  echo "$output"
  if echo "$output" | grep -q -e 'iceway' -e "$work"; then fail "verify warned about the unit"; fi
fi

[ $status -eq 0 ] && echo "ok: systemd/iceway.service verifies and has every promised setting"
exit $status
