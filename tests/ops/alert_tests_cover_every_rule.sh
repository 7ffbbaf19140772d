#!/bin/sh
# alert_tests_cover_every_rule.sh RULES TESTS: every `- alert: NAME` of RULES has, in the
# `promtool test rules` file TESTS, at least one case where it must stay quiet
# (`exp_alerts: []`) and one where it must fire (a non-empty exp_alerts), so a new alert
# cannot ship untested and an alert that can never fire (or always fires) fails promtool.
# Reads both YAML files line by line: the test file writes each check either as a flow
# mapping on one line ({eval_time: .., alertname: X, exp_alerts: []}) or as a block whose
# `alertname:` line comes before its `exp_alerts:` line.
set -eu
rules=$1
tests=$2
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$rules")
[ -n "$alerts" ] || { echo "no alerts in $rules"; exit 1; }
# One line per check: NAME quiet|fires
checks=$(awk '
  /alertname:/ {
    line = $0
    sub(/.*alertname: */, "", line); sub(/[,} ].*/, "", line)
    name = line
    if ($0 ~ /exp_alerts: *\[\]/) { print name, "quiet"; name = "" }
    next
  }
  /exp_alerts:/ && name != "" {
    if ($0 ~ /exp_alerts: *\[\]/) print name, "quiet"; else print name, "fires"
    name = ""
  }' "$tests")
status=0
for alert in $alerts; do
  for want in quiet fires; do
    if ! printf '%s\n' "$checks" | grep -qx "$alert $want"; then
      echo "$alert: no case in $tests where it $( [ "$want" = quiet ] && echo stays quiet || echo fires )"
      status=1
    fi
  done
done
[ $status -eq 0 ] && echo "every alert of $rules has a quiet and a firing case"
exit $status
