#!/bin/sh
# Builds the TypeScript Lambda for `ask deploy`.
#
# The ASK CLI runs hooks/build.sh (hooks/build.ps1 on Windows) instead of its plain npm build
# when the file exists: in a copy of lambda/, with the path of the zip to produce as $1 and the
# debug flag as $2. This compiles the TypeScript, keeps only runtime dependencies, and zips what
# the Lambda handler "dist/src/index.handler" needs. Requires the `zip` command.
set -eu

OUT_FILE="${1:-upload.zip}"
DO_DEBUG="${2:-false}"
QUIET="--quiet"
if [ "$DO_DEBUG" = "true" ]; then
  QUIET=""
  set -x
fi

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund $QUIET
else
  npm install --no-audit --no-fund $QUIET
fi
npm run build $QUIET
npm prune --omit=dev --no-audit --no-fund $QUIET
rm -f "$OUT_FILE"
zip -qr "$OUT_FILE" package.json dist node_modules
