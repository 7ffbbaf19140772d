#!/bin/sh
# promtool.sh ARGS...: runs Debian's promtool (package `prometheus`, in the test list of
# scripts/install-deps.sh); exit 77 (skipped) when it is not installed.
command -v promtool >/dev/null 2>&1 || { echo "promtool not installed"; exit 77; }
exec promtool "$@"
