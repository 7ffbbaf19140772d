#!/usr/bin/env bash
# install_test.sh INSTALL_SH BINARY CONFIG_CHECK
# Issue 5: deploy/install.sh run in a throwaway root, twice, ends in the same files: same
# secrets, no second user, same modes and owners. Also: what the first run installs, the
# config it writes (checked by config_check with toml11), TLS installation and its re-run,
# and that a bad invocation changes nothing.
set -euo pipefail
install_sh=$1
binary=$2
config_check=$3
repo=$(cd "$(dirname "$install_sh")/.." && pwd)

command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
status=0
fail() { echo "FAIL: $*"; status=1; }

# A root with the account files useradd --prefix edits (as root, the installer creates the
# user there; otherwise it says so and skips owners).
mkdir -p "$root/etc"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
printf 'root:*:19000:0:99999:7:::\n' > "$root/etc/shadow"
printf 'root:*::\n' > "$root/etc/gshadow"
chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"

# The tree as data: path, type, mode, owner, group, and a content hash for files.
snapshot() {
  (cd "$root" && find . -printf '%p %y %m %U %G\n' | sort | while read -r path type rest; do
    if [[ $type == f ]]; then
      echo "$path $type $rest $(sha256sum < "$path" | cut -c1-16)"
    else
      echo "$path $type $rest"
    fi
  done)
}

run_install() { "$install_sh" --root "$root" --binary "$binary" "$@"; }

# ---- A bad invocation fails before it touches anything.
before=$(snapshot)
if "$install_sh" --root "$root" --binary "$work/no-such-binary" > "$work/bad.out" 2>&1; then
  fail "install.sh accepted a missing binary"
fi
grep -q "is not an executable file" "$work/bad.out" || fail "no reason given for the missing binary: $(cat "$work/bad.out")"
if "$install_sh" --root "$root" --binary "$binary" --tls-cert "$work/none.pem" > "$work/bad.out" 2>&1; then
  fail "install.sh accepted --tls-cert without --tls-key"
fi
if "$install_sh" --root "$root" --frobnicate > "$work/bad.out" 2>&1; then fail "install.sh accepted an unknown option"; fi
[[ "$(snapshot)" == "$before" ]] || fail "a failed run changed the tree"

# ---- First run.
run_install --public-host turn.example.com > "$work/first.out" 2>&1 || { cat "$work/first.out"; fail "first run failed"; }
first=$(snapshot)
config=$root/etc/iceway/iceway.toml

for path in usr/bin/iceway etc/systemd/system/iceway.service etc/iceway/iceway.toml usr/share/iceway/iceway.toml \
            usr/share/iceway/grafana/iceway.json usr/share/iceway/prometheus/prometheus.yml \
            usr/share/iceway/prometheus/iceway-rules.yml usr/share/doc/iceway/deploy.md \
            usr/share/doc/iceway/configuration.md usr/share/doc/iceway/metrics.md usr/share/doc/iceway/signaling.md; do
  [[ -f "$root/$path" ]] || fail "first run did not install /$path"
done
[[ -d "$root/var/lib/iceway" ]] || fail "no /var/lib/iceway"
cmp -s "$root/usr/bin/iceway" "$binary" || fail "/usr/bin/iceway is not the given binary"
cmp -s "$root/etc/systemd/system/iceway.service" "$repo/systemd/iceway.service" || fail "the unit is not systemd/iceway.service"
[[ $(stat -c %a "$root/usr/bin/iceway") == 755 ]] || fail "binary mode is not 0755"
[[ $(stat -c %a "$config") == 640 ]] || fail "config mode is not 0640 (it holds secrets)"
[[ $(stat -c %a "$root/etc/iceway") == 750 ]] || fail "/etc/iceway mode is not 0750"
[[ $(stat -c %a "$root/var/lib/iceway") == 750 ]] || fail "/var/lib/iceway mode is not 0750"

"$config_check" generated "$config" 'server.public_host="turn.example.com"' 'tls.cert=""' ||
  fail "the generated config does not pass config_check"

if [[ $(id -u) -eq 0 ]]; then
  [[ $(grep -c '^iceway:' "$root/etc/passwd") == 1 ]] || fail "user iceway not created once in the root's passwd"
  grep -q '^iceway:[^:]*:[0-9]*:[0-9]*:[^:]*:/var/lib/iceway:/usr/sbin/nologin$' "$root/etc/passwd" ||
    fail "iceway is not a nologin user with home /var/lib/iceway: $(grep '^iceway:' "$root/etc/passwd")"
  gid=$(awk -F: '$1 == "iceway" { print $3 }' "$root/etc/group")
  uid=$(awk -F: '$1 == "iceway" { print $3 }' "$root/etc/passwd")
  [[ $(stat -c %u:%g "$config") == "0:$gid" ]] || fail "config is not root:iceway"
  [[ $(stat -c %u:%g "$root/var/lib/iceway") == "$uid:$gid" ]] || fail "/var/lib/iceway is not iceway:iceway"
else
  echo "note: not root, so user creation and owners are not checked"
fi

# What the operator is told.
for expected in "3478/udp and 3478/tcp" "49152:65535/udp" "8080/tcp" "iceServers" "turn:turn.example.com:3478" \
                "Authorization: Bearer" "skipped systemctl" "only to clients with a token"; do
  grep -qF "$expected" "$work/first.out" || fail "first run's output lacks '$expected'"
done
# The printed credential is what SPEC §5 defines: base64(HMAC-SHA1(secret, username)).
secret=$(sed -n 's/^secrets = \["\([0-9a-f]*\)"\].*/\1/p' "$config")
username=$(grep -o '"username":"[^"]*"' "$work/first.out" | cut -d'"' -f4)
credential=$(grep -o '"credential":"[^"]*"' "$work/first.out" | cut -d'"' -f4)
expected_credential=$(printf '%s' "$username" | openssl dgst -sha1 -hmac "$secret" -binary | openssl base64 -A)
[[ -n "$username" && "$credential" == "$expected_credential" ]] || fail "printed credential does not match the secret"
[[ $username =~ ^[0-9]+:demo$ ]] || fail "printed username '$username' is not <expiry>:demo"

# ---- Second run: the same tree, byte for byte, mode for mode.
run_install --public-host other.example.com > "$work/second.out" 2>&1 || { cat "$work/second.out"; fail "second run failed"; }
second=$(snapshot)
if [[ "$first" != "$second" ]]; then
  fail "the second run changed the tree:"
  diff <(echo "$first") <(echo "$second") || true
fi
grep -q "exists and is kept" "$work/second.out" || fail "second run did not say it kept the existing config"

# ---- TLS: a certificate is copied where the iceway user can read it and [tls] points at it;
# running the same command again changes nothing.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=turn.example.com \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
run_install --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" > "$work/tls.out" 2>&1 || { cat "$work/tls.out"; fail "TLS run failed"; }
tls_first=$(snapshot)
cmp -s "$root/etc/iceway/tls/fullchain.pem" "$work/cert.pem" || fail "certificate not installed"
cmp -s "$root/etc/iceway/tls/privkey.pem" "$work/key.pem" || fail "key not installed"
[[ $(stat -c %a "$root/etc/iceway/tls/privkey.pem") == 640 ]] || fail "key mode is not 0640"
"$config_check" generated "$config" 'tls.cert="/etc/iceway/tls/fullchain.pem"' 'tls.key="/etc/iceway/tls/privkey.pem"' \
  'server.public_host="turn.example.com"' || fail "the config after TLS does not pass config_check"
grep -q "^secrets = \[\"$secret\"\]" "$config" || fail "the TLS run changed the secret"
grep -qF "5349/tcp" "$work/tls.out" || fail "with TLS the output does not mention 5349/tcp"
run_install --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" > "$work/tls2.out" 2>&1 || fail "second TLS run failed"
[[ "$(snapshot)" == "$tls_first" ]] || { fail "the second TLS run changed the tree"; diff <(echo "$tls_first") <(snapshot) || true; }

# ---- certbot: the renewal hook copies from the lineage and reloads.
mkdir -p "$root/etc/letsencrypt/live/turn.example.com"
cp "$work/cert.pem" "$root/etc/letsencrypt/live/turn.example.com/fullchain.pem"
cp "$work/key.pem" "$root/etc/letsencrypt/live/turn.example.com/privkey.pem"
run_install --certbot-domain turn.example.com > "$work/certbot.out" 2>&1 || { cat "$work/certbot.out"; fail "certbot run failed"; }
hook=$root/etc/letsencrypt/renewal-hooks/deploy/iceway.sh
[[ -x "$hook" ]] || fail "no executable certbot deploy hook"
grep -q 'RENEWED_LINEAGE" = "/etc/letsencrypt/live/turn.example.com"' "$hook" || fail "the hook does not check its lineage"
grep -q 'systemctl reload iceway' "$hook" || fail "the hook does not reload iceway"
sh -n "$hook" || fail "the hook is not valid sh"
certbot_first=$(snapshot)
run_install --certbot-domain turn.example.com > /dev/null 2>&1 || fail "second certbot run failed"
[[ "$(snapshot)" == "$certbot_first" ]] || fail "the second certbot run changed the tree"

[[ $status -eq 0 ]] && echo "ok: install.sh is idempotent and installs what it promises"
exit $status
