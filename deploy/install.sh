#!/usr/bin/env bash
# Sets up iceway on a fresh Debian/Ubuntu VPS (docs/deploy.md walks through it):
#   - the `iceway` system user and group, /etc/iceway (root:iceway 0750), /var/lib/iceway;
#   - the binary as /usr/bin/iceway;
#   - /etc/iceway/iceway.toml from deploy/iceway.toml with a generated TURN secret, API key
#     and signaling token secret (openssl rand), only when it does not exist yet;
#   - optionally a TLS certificate (copied where the unprivileged user can read it) and a
#     certbot renewal hook that copies renewed certificates and reloads iceway;
#   - the systemd unit, enabled (started with --start);
#   - then prints the firewall ports to open and an iceServers example.
# Running it again changes nothing that exists: secrets are kept, the user is not
# duplicated, files are rewritten only with the same content.
#
# Usage: deploy/install.sh [options]
#   --binary PATH         the iceway executable to install
#   --build-dir DIR       take it from DIR/app/iceway (default: <repo>/build)
#   --root DIR            install into DIR instead of / (for tests and image builds);
#                         implies --no-systemctl. --prefix DIR is the same.
#   --public-host HOST    server.public_host for a new config (the name in turn: URLs)
#   --external-ip IP[/IP] server.external_ip for a new config (1:1 NAT: PUBLIC/PRIVATE)
#   --signal-listen ADDR  signal.listen for a new config, e.g. 0.0.0.0:443
#   --tls-cert PATH --tls-key PATH
#                         copy this certificate chain and key to /etc/iceway/tls/ and
#                         point [tls] at them
#   --certbot-domain NAME use /etc/letsencrypt/live/NAME/ and install a renewal hook
#   --no-systemctl        do not run systemctl (no systemd, containers, image builds)
#   --start               also (re)start the service after installing
#   --package             run from the .deb's postinst: the binary and unit are in place
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
root=""
binary=""
build_dir=""
public_host=""
external_ip=""
signal_listen=""
tls_cert=""
tls_key=""
certbot_domain=""
use_systemctl=1
start=0
package=0

die() { echo "install.sh: $*" >&2; exit 1; }
note() { echo "iceway: $*"; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) need_value "$@"; binary=$2; shift 2 ;;
    --build-dir) need_value "$@"; build_dir=$2; shift 2 ;;
    --root|--prefix) need_value "$@"; root=$(realpath -m "$2"); shift 2 ;;
    --public-host) need_value "$@"; public_host=$2; shift 2 ;;
    --external-ip) need_value "$@"; external_ip=$2; shift 2 ;;
    --signal-listen) need_value "$@"; signal_listen=$2; shift 2 ;;
    --tls-cert) need_value "$@"; tls_cert=$2; shift 2 ;;
    --tls-key) need_value "$@"; tls_key=$2; shift 2 ;;
    --certbot-domain) need_value "$@"; certbot_domain=$2; shift 2 ;;
    --no-systemctl) use_systemctl=0; shift ;;
    --start) start=1; shift ;;
    --package) package=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$root" == "/" ]] && root=""
[[ -n "$root" ]] && use_systemctl=0

# ---- Check everything before changing anything.
is_root=0
[[ $(id -u) -eq 0 ]] && is_root=1
if [[ -z "$root" && $is_root -eq 0 ]]; then die "run as root (or with --root DIR for a throwaway tree)"; fi
command -v openssl >/dev/null || die "openssl is needed to generate secrets (apt-get install openssl)"

template="$script_dir/iceway.toml"
unit_source="$script_dir/../systemd/iceway.service"
if [[ $package -eq 1 ]]; then
  # The .deb ships these under /usr/share/iceway next to this script.
  unit_source=""
fi
[[ -f "$template" ]] || die "default config $template not found"

if [[ $package -eq 0 ]]; then
  if [[ -z "$binary" ]]; then
    candidate="${build_dir:-$script_dir/../build}/app/iceway"
    if [[ -x "$candidate" ]]; then
      binary=$candidate
    elif [[ -n "$build_dir" ]]; then
      die "no executable at $candidate (build it: cmake --build ${build_dir} --target iceway)"
    elif [[ ! -x "$root/usr/bin/iceway" ]]; then
      die "no iceway binary: pass --binary PATH or --build-dir DIR (build: make build)"
    fi
  fi
  [[ -z "$binary" || -x "$binary" ]] || die "$binary is not an executable file"
  [[ -f "$unit_source" ]] || die "unit file $unit_source not found"
  for extra in grafana/iceway.json prometheus/prometheus.yml prometheus/iceway-rules.yml ../docs/deploy.md \
               ../docs/configuration.md ../docs/metrics.md ../docs/signaling.md; do
    [[ -f "$script_dir/$extra" ]] || die "$script_dir/$extra not found"
  done
fi

if [[ -n "$certbot_domain" ]]; then
  [[ -z "$tls_cert$tls_key" ]] || die "use either --certbot-domain or --tls-cert/--tls-key"
  tls_cert="$root/etc/letsencrypt/live/$certbot_domain/fullchain.pem"
  tls_key="$root/etc/letsencrypt/live/$certbot_domain/privkey.pem"
fi
if [[ -n "$tls_cert$tls_key" ]]; then
  [[ -n "$tls_cert" && -n "$tls_key" ]] || die "--tls-cert and --tls-key go together"
  [[ -r "$tls_cert" ]] || die "cannot read certificate $tls_cert"
  [[ -r "$tls_key" ]] || die "cannot read key $tls_key"
  openssl x509 -in "$tls_cert" -noout 2>/dev/null || die "$tls_cert is not a PEM certificate"
  openssl pkey -in "$tls_key" -noout 2>/dev/null || die "$tls_key is not a PEM private key"
fi

# ---- The user. In a --root tree the ids come from that tree's /etc/passwd, never the host's.
user_ids=""
lookup_ids() {
  local passwd="$root/etc/passwd"
  [[ -f "$passwd" ]] || return 0
  user_ids=$(awk -F: '$1 == "iceway" { print $3 ":" $4; exit }' "$passwd")
}
lookup_ids
if [[ -z "$user_ids" ]]; then
  if [[ $is_root -eq 1 && -f "$root/etc/passwd" ]]; then
    prefix_args=()
    [[ -n "$root" ]] && prefix_args=(--prefix "$root")
    useradd "${prefix_args[@]}" --system --user-group --no-create-home --home-dir /var/lib/iceway \
      --shell /usr/sbin/nologin --comment "iceway STUN/TURN server" iceway
    note "created system user iceway"
    lookup_ids
  else
    note "not creating user iceway (not root, or no $root/etc/passwd); files stay owned by $(id -un)"
  fi
fi

# install_file SOURCE DEST MODE [OWNER]: copies when the content differs, then sets the mode
# and (as root, with a known user) the owner. OWNER is "root", "group" (root:iceway) or "user".
set_owner() {
  local path=$1 owner=$2
  [[ $is_root -eq 1 ]] || return 0
  case "$owner" in
    root) chown 0:0 "$path" ;;
    group) [[ -n "$user_ids" ]] && chown "0:${user_ids#*:}" "$path" ;;
    user) [[ -n "$user_ids" ]] && chown "$user_ids" "$path" ;;
  esac
  return 0
}
install_dir() {
  local dir=$1 mode=$2 owner=$3
  mkdir -p "$dir"
  chmod "$mode" "$dir"
  set_owner "$dir" "$owner"
}
install_file() {
  local source=$1 dest=$2 mode=$3 owner=${4:-root}
  mkdir -p "$(dirname "$dest")"
  if ! cmp -s "$source" "$dest" 2>/dev/null; then
    cp "$source" "$dest.new.$$"
    mv -f "$dest.new.$$" "$dest"  # atomic: a running iceway keeps its old inode
  fi
  chmod "$mode" "$dest"
  set_owner "$dest" "$owner"
}

# ---- Directories and files.
install_dir "$root/etc/iceway" 0750 group
install_dir "$root/var/lib/iceway" 0750 user
if [[ $package -eq 0 ]]; then
  if [[ -n "$binary" ]]; then install_file "$binary" "$root/usr/bin/iceway" 0755; fi
  install_file "$unit_source" "$root/etc/systemd/system/iceway.service" 0644
  # Reference copies for the operator: the documented defaults, dashboard, Prometheus files.
  for extra in iceway.toml grafana/iceway.json prometheus/prometheus.yml prometheus/iceway-rules.yml; do
    install_file "$script_dir/$extra" "$root/usr/share/iceway/$extra" 0644
  done
  # The unit's Documentation= points here; metrics.md explains the dashboard's series.
  for doc in deploy.md configuration.md metrics.md signaling.md; do
    install_file "$script_dir/../docs/$doc" "$root/usr/share/doc/iceway/$doc" 0644
  done
fi

# ---- Configuration: written once; later runs keep it (and its secrets) as it is.
config="$root/etc/iceway/iceway.toml"
# set_key SECTION KEY VALUE FILE: replaces the value of KEY in [SECTION], keeping the line's
# comment; dies if the line is not there (the template changed under this script).
set_key() {
  local section=$1 key=$2 file=$4
  VALUE=$3 awk -v section="[$section]" -v key="$key" '
    /^\[/ { in_section = ($1 == section) }
    in_section && !done && $1 == key && $2 == "=" {
      line = key " = " ENVIRON["VALUE"]
      # Keep the comment in its column when the new value fits, else two spaces after it.
      if (match($0, /#.*$/)) {
        comment = substr($0, RSTART)
        column = RSTART
        gap = column - 1 - length(line)
        line = line sprintf("%" (gap >= 2 ? gap : 2) "s", "") comment
      }
      print line
      done = 1
      next
    }
    { print }
    END { exit done ? 0 : 3 }' "$file" > "$file.set.$$" || { rm -f "$file.set.$$"; die "$file has no $key in [$section]"; }
  cat "$file.set.$$" > "$file"  # keeps the file's mode and owner
  rm -f "$file.set.$$"
}
if [[ ! -e "$config" ]]; then
  new="$config.new.$$"
  cp "$template" "$new"
  chmod 0640 "$new"
  # 32 random bytes each: HMAC-SHA1 keys gain nothing from more, and hex is TOML-safe.
  set_key auth secrets "[\"$(openssl rand -hex 32)\"]" "$new"
  set_key auth api_keys "[\"$(openssl rand -hex 32)\"]" "$new"
  set_key signal token_secret "\"$(openssl rand -hex 32)\"" "$new"
  if [[ -n "$public_host" ]]; then set_key server public_host "\"$public_host\"" "$new"; fi
  if [[ -n "$external_ip" ]]; then set_key server external_ip "\"$external_ip\"" "$new"; fi
  if [[ -n "$signal_listen" ]]; then set_key signal listen "\"$signal_listen\"" "$new"; fi
  mv "$new" "$config"
  note "wrote $config with a new TURN secret, API key and token secret"
else
  [[ -z "$public_host$external_ip$signal_listen" ]] ||
    note "$config exists and is kept: set public_host, external_ip or signal.listen there by hand"
fi
chmod 0640 "$config"
set_owner "$config" group

# ---- TLS: the certificate goes where the iceway user can read it (certbot's live/ and
# archive/ are root-only), and [tls] points at the copy.
if [[ -n "$tls_cert" ]]; then
  install_dir "$root/etc/iceway/tls" 0750 group
  install_file "$tls_cert" "$root/etc/iceway/tls/fullchain.pem" 0640 group
  install_file "$tls_key" "$root/etc/iceway/tls/privkey.pem" 0640 group
  set_key tls cert '"/etc/iceway/tls/fullchain.pem"' "$config"
  set_key tls key '"/etc/iceway/tls/privkey.pem"' "$config"
fi
if [[ -n "$certbot_domain" ]]; then
  hook="$root/etc/letsencrypt/renewal-hooks/deploy/iceway.sh"
  hook_text=$(cat <<EOF
#!/bin/sh
# Installed by iceway's deploy/install.sh. certbot runs this after renewing a certificate:
# copy $certbot_domain's new certificate where the iceway user can read it, then reload
# (SIGHUP swaps certificates without dropping allocations or connections).
set -e
[ "\$RENEWED_LINEAGE" = "/etc/letsencrypt/live/$certbot_domain" ] || exit 0
install -m 0640 -o root -g iceway "\$RENEWED_LINEAGE/fullchain.pem" /etc/iceway/tls/fullchain.pem
install -m 0640 -o root -g iceway "\$RENEWED_LINEAGE/privkey.pem" /etc/iceway/tls/privkey.pem
systemctl reload iceway
EOF
)
  hook_source=$(mktemp)
  printf '%s\n' "$hook_text" > "$hook_source"
  install_file "$hook_source" "$hook" 0755
  rm -f "$hook_source"
fi

# ---- systemd.
if [[ $use_systemctl -eq 1 ]] && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  systemctl enable iceway.service
  if [[ $start -eq 1 ]]; then
    systemctl restart iceway.service
    note "iceway (re)started"
  fi
else
  note "skipped systemctl; on the server: systemctl daemon-reload && systemctl enable --now iceway"
fi

# ---- What to do next. Values come from the config actually in place.
# toml_value SECTION KEY: the raw value text of KEY in [SECTION] (no TOML parser in sh:
# enough for the single-line values the template uses).
toml_value() {
  awk -v section="[$1]" -v key="$2" '
    /^\[/ { in_section = ($1 == section) }
    in_section && $1 == key && $2 == "=" {
      sub(/^[^=]*= */, ""); sub(/ *#.*$/, ""); print; exit
    }' "$config"
}
ports_of() { grep -o ':[0-9]\+"' <<<"$1" | tr -d ':"' | sort -un | tr '\n' ' '; }
turn_ports=$(ports_of "$(toml_value turn listen)")
tls_ports=$(ports_of "$(toml_value turn tls_listen)")
signal_ports=$(ports_of "$(toml_value signal listen)")
relay_ports=$(toml_value turn relay_ports | tr -d '"')
has_tls=0
[[ "$(toml_value tls cert)" != '""' ]] && has_tls=1

host=$public_host
[[ -n "$host" ]] || host=$(toml_value server public_host | tr -d '"')
[[ -n "$host" ]] || host=$(toml_value server external_ip | tr -d '"' | cut -d/ -f1)
[[ -n "$host" ]] || host=$(hostname -I 2>/dev/null | awk '{print $1}')
[[ -n "$host" ]] || host=YOUR_HOST

echo
echo "Open these ports in the firewall (e.g. ufw allow ...):"
for port in $turn_ports; do echo "  $port/udp and $port/tcp   STUN/TURN"; done
if [[ $has_tls -eq 1 ]]; then for port in $tls_ports; do echo "  $port/tcp             TURN over TLS (turns:)"; done; fi
echo "  ${relay_ports/-/:}/udp  TURN relay ports"
for port in $signal_ports; do echo "  $port/tcp             signaling and /api/v1/ice-servers"; done
echo "Keep the admin listener $(toml_value admin listen | tr -d '"') private (Prometheus scrapes it locally)."

secret=$(toml_value auth secrets | sed 's/^\["\([^"]*\)".*/\1/')
api_key=$(toml_value auth api_keys | sed 's/^\["\([^"]*\)".*/\1/')
scheme=http
[[ $has_tls -eq 1 ]] && scheme=https
first_signal_port=${signal_ports%% *}
if [[ -n "$secret" && "$secret" != "[]" ]]; then
  # SPEC §5: username <unix-expiry>:<user-id>, password base64(HMAC-SHA1(secret, username)).
  username="$(($(date +%s) + 3600)):demo"
  password=$(printf '%s' "$username" | openssl dgst -sha1 -hmac "$secret" -binary | openssl base64 -A)
  first_turn_port=${turn_ports%% *}
  echo
  echo "An iceServers example, valid for one hour (apps fetch fresh ones from the API below):"
  echo "  {\"iceServers\":[{\"urls\":[\"stun:$host:$first_turn_port\"]},"
  echo "    {\"urls\":[\"turn:$host:$first_turn_port?transport=udp\",\"turn:$host:$first_turn_port?transport=tcp\"],"
  echo "     \"username\":\"$username\",\"credential\":\"$password\"}]}"
fi
if [[ -n "$api_key" && "$api_key" != "[]" ]]; then
  echo
  echo "Your backend gets fresh ones with the API key from $config:"
  echo "  curl -H 'Authorization: Bearer $api_key' '$scheme://$host:$first_signal_port/api/v1/ice-servers?user=alice&ttl=3600'"
fi
echo
# What an open /ws costs (SPEC §2): TURN credentials for any id a stranger names.
if [[ "$(toml_value signal anonymous_credentials)" == "true" ]]; then
  echo "signal.anonymous_credentials is on: anyone who reaches /ws gets TURN credentials, valid for"
  echo "  auth.credential_ttl, under any id they name, and can use up that user's allocations and your"
  echo "  relay bandwidth. Prefer tokens signed with signal.token_secret (docs/deploy.md)."
else
  echo "Signaling (/ws) hands TURN credentials only to clients with a token signed with"
  echo "  signal.token_secret (sub = the user id); anonymous clients get the STUN URL alone."
fi
echo
echo "Prometheus: scrape $(toml_value admin listen | tr -d '"') (see /usr/share/iceway/prometheus/);"
echo "Grafana: import /usr/share/iceway/grafana/iceway.json."
