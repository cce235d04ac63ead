#!/bin/sh
# Generates ./configure from a git checkout.
set -e
cd "$(dirname "$0")"
autoreconf --install --force
