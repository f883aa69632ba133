#!/usr/bin/env bash
# make test's tools: `require-package.sh PACKAGE WHAT WHY ADVICE CHECK...` runs CHECK (a command that
# succeeds when the tool is usable); when it fails, installs the Debian PACKAGE if it can (root with
# apt-get, `apt-get update` once if the first install fails), checks again, and otherwise stops the
# run naming what to install. A test that needs the tool is never skipped.
set -u
package="$1" what="$2" why="$3" advice="$4"
shift 4
"$@" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make: $what missing: installing $package for $why"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$package" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$package" >/dev/null 2>&1; }
fi
"$@" >/dev/null 2>&1 && exit 0
echo "make: $what not found on PATH. $advice" >&2
exit 1
