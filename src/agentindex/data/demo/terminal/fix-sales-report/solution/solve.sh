#!/bin/bash
# Reference solution: rewrite report.sh correctly, then produce the report.
set -euo pipefail
cat > /app/report.sh <<'SH'
#!/bin/bash
# Revenue per region from a sales CSV.
# Usage: report.sh INPUT.csv OUTPUT.txt
set -euo pipefail
in=$1
out=$2
mkdir -p "$(dirname "$out")"
# Sum in integer cents so that rounding never depends on float error.
awk -F',' 'NR > 1 && NF >= 5 {
        region = tolower($2); gsub(/^[ \t]+|[ \t\r]+$/, "", region)
        split($5, p, "."); cents = p[1] * 100 + substr(p[2] "00", 1, 2)
        rev[region] += $4 * cents
    }
    END { for (r in rev) printf "%s\t%d\n", r, rev[r] }' "$in" |
    sort -t "$(printf '\t')" -k2,2nr -k1,1 |
    awk -F'\t' '{ printf "%s\t%d.%02d\n", $1, $2 / 100, $2 % 100; total += $2 }
        END { printf "TOTAL\t%d.%02d\n", total / 100, total % 100 }' > "$out"
SH
bash /app/report.sh /app/data/sales.csv /app/out/report.txt
