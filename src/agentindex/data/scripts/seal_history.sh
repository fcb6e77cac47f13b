# agentindex run --seal-history: leave HEAD and the base commit's ancestors, nothing else.
# $1: the base commit (or HEAD).
set -e
base=$(git rev-parse --verify "${1:-HEAD}^{commit}")
head=$(git symbolic-ref -q HEAD || true)
git for-each-ref --format='%(refname)' | while read -r ref; do
  [ "$ref" = "$head" ] && continue
  c=$(git rev-parse "$ref^{commit}" 2>/dev/null) || { git update-ref -d "$ref"; continue; }
  git merge-base --is-ancestor "$c" "$base" || git update-ref -d "$ref"
done
for r in $(git remote); do git remote remove "$r"; done
git stash clear 2>/dev/null || true
git reflog expire --expire=now --expire-unreachable=now --all
git gc -q --prune=now
