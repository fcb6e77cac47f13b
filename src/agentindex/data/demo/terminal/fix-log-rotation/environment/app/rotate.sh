#!/bin/bash
# Keep the newest KEEP logs of each service in LOGDIR; archive the older ones.
# Usage: rotate.sh LOGDIR [KEEP]
dir=${1:?usage: rotate.sh LOGDIR [KEEP]}
keep=${2:-3}
cd "$dir" || exit 1
for service in $(ls *.log | cut -d- -f1 | sort -u); do
    mkdir -p archive/$service
    for f in $(ls $service-*.log | sort | tail -n +$((keep + 1))); do
        if [ -s "$f" ]; then mv "$f" archive/$service/; else rm "$f"; fi
    done
done
