#!/bin/bash
# Reference solution: rewrite rotate.sh, then rotate /app/logs.
set -euo pipefail
cat > /app/rotate.sh <<'SH'
#!/bin/bash
# Keep the newest KEEP logs of each service in LOGDIR; archive the older ones.
# Usage: rotate.sh LOGDIR [KEEP]
set -euo pipefail
dir=${1:?usage: rotate.sh LOGDIR [KEEP]}
keep=${2:-3}
cd "$dir"
shopt -s nullglob
# The service is everything before the final -YYYYMMDD, so it may contain dashes;
# a bare prefix glob like web-*.log would also catch web-admin-*.log.
for f in *.log; do
    if [[ $f =~ ^(.+)-([0-9]{8})\.log$ ]]; then
        printf '%s\t%s\n' "${BASH_REMATCH[1]}" "$f"
    fi
done | sort -t "$(printf '\t')" -k1,1 -k2,2r |
    awk -F'\t' -v keep="$keep" '++seen[$1] > keep + 0' |
    while IFS=$'\t' read -r service f; do
        if [ -s "$f" ]; then
            mkdir -p "archive/$service"
            mv -- "$f" "archive/$service/"
        else
            rm -f -- "$f"
        fi
    done
SH
bash /app/rotate.sh /app/logs 3
