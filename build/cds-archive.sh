#!/bin/sh
# Builds the class-data sharing archive beside the jar (target/levqor.jsa), which bin/levqor uses
# (README, "Running in production"): a training run (`levqor cds-training`: start serve on a throw-away
# embedded Postgres, serve a few requests, stop) under -XX:ArchiveClassesAtExit, through the launcher
# itself so the archive is made with the options it will be used with.
set -eu
jar=$(cd "$(dirname "${1:-target/levqor.jar}")" && pwd)/$(basename "${1:-target/levqor.jar}")
archive=${jar%.jar}.jsa
work=$(dirname "$jar")/cds-training
rm -rf "$work" "$archive" "$archive.jar"
mkdir -p "$work"
if ! LEVQOR_JAR="$jar" LEVQOR_CDS_ARCHIVE="$archive" bin/levqor cds-training "$work" >"$work/training.log" 2>&1; then
    cat "$work/training.log" >&2
    echo "build/cds-archive.sh: the training run failed (above); the jar works without $archive" >&2
    exit 1
fi
if [ ! -s "$archive" ]; then
    cat "$work/training.log" >&2
    echo "build/cds-archive.sh: the JVM wrote no $archive (see the log above)" >&2
    exit 1
fi
rm -rf "$work"
echo "class-data sharing archive: $archive ($(du -h "$archive" | cut -f1))"
