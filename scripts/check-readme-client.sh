#!/usr/bin/env bash
# Checks the README's "Use in your client tests" section as a client developer would use it: a
# fresh project, the packed tarball of packages/msw (the handlers alone) and msw + vitest from the registry (the npm cache first), the
# README's test file copied verbatim, `npx vitest run`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(cd "$repo" && npm pack -w packages/msw --silent --pack-destination "$work" | tail -n 1)"
mkdir client && cd client
npm init -y >/dev/null
# The install line and the test file, exactly as the README gives them.
section="$(awk '/^## Use in your client tests/{on=1; next} /^## /{on=0} on' "$repo/README.md")"
install="$(printf '%s\n' "$section" | grep -m1 '^npm install --save-dev ')"
test_file="$(printf '%s\n' "$section" | awk '/^```js$/{on=1; next} /^```$/{if(on) exit} on')"
[ -n "$install" ] && [ -n "$test_file" ] || { echo "the README section has no install line or test file"; exit 1; }
install="${install//\/path\/to\/casebender-conformance-msw-0.1.0.tgz/$work/$tarball}"
echo "+ $install"
eval "$install --prefer-offline --no-audit --no-fund --loglevel=error"
printf '%s\n' "$test_file" > casebender.test.mjs
npx vitest run
