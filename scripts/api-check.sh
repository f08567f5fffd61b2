#!/usr/bin/env bash
# npm run api:check's second step (after npm run build): the built API against the committed report,
# api/guarded-serverless-stack.api.md, saying what to do when they differ.
set -uo pipefail
if ! api-extractor run; then
  echo 'The public API differs from api/guarded-serverless-stack.api.md: run npm run api:update, review its diff and commit it.' >&2
  exit 1
fi
