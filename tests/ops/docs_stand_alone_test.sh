#!/usr/bin/env bash
# docs_stand_alone_test.sh SOURCE_DIR
# Issue 14: README.md and docs/ must stand on their own for someone who cloned the repository:
# every relative link names a file inside it, nothing refers to the SPEC (a contract that is not
# in the repository), and the LICENSE the README names is there with the Apache-2.0 text.
set -uo pipefail
root=$(realpath "${1:?source dir}")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cd "$root" || exit 1
documents=(README.md docs/*.md)

for document in "${documents[@]}"; do
  directory=$(dirname "$document")
  # Markdown links and images: ](target) or ](target "title"); absolute URLs and in-page
  # anchors are not files.
  while IFS= read -r target; do
    target=${target%% *}
    target=${target%%#*}
    [[ -z $target || $target == *://* || $target == mailto:* ]] && continue
    if [[ $target == /* ]]; then
      fail "$document links $target, an absolute path (a clone has it nowhere)"
      continue
    fi
    resolved=$(realpath -m "$directory/$target")
    if [[ $resolved != "$root"/* && $resolved != "$root" ]]; then
      fail "$document links $target, outside the repository"
    elif [[ ! -e $resolved ]]; then
      fail "$document links $target, which does not exist"
    fi
  done < <(grep -o -E '\]\([^)]+\)' "$document" | sed -E 's/^\]\((.*)\)$/\1/')
done

# "SPEC §3" and the like send the reader to a document the repository does not have.
if grep -n -E '\bSPEC\b' "${documents[@]}"; then
  fail "README.md or docs/ refer to the SPEC, which is not in the repository (lines above)"
fi

if [[ ! -f LICENSE ]]; then
  fail "no LICENSE file"
else
  grep -q 'Apache License' LICENSE && grep -q 'Version 2.0, January 2004' LICENSE &&
    grep -q 'END OF TERMS AND CONDITIONS' LICENSE || fail "LICENSE is not the Apache License 2.0 text"
fi
grep -q '](LICENSE)' README.md || fail "README.md does not link LICENSE"

[[ $failures -eq 0 ]] && echo "ok: README.md and docs/ (${#documents[@]} files) link only inside the repository; LICENSE is Apache-2.0"
exit $((failures > 0))
