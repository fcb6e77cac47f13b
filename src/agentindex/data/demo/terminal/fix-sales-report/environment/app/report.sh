#!/bin/bash
# Revenue per region from a sales CSV.
# Usage: report.sh INPUT.csv OUTPUT.txt
in=$1
out=$2
mkdir -p "$(dirname "$out")"
awk -F';' '{ rev[$2] += $4 * $5 }
     END { for (r in rev) printf "%s\t%.2f\n", r, rev[r] }' "$in" | sort -k2 -r > "$out"
