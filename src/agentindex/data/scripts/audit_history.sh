# agentindex tasks audit: what in a patch task's environment could reveal its fix.
# $1: the base commit (or HEAD). One finding per line: "<kind> <detail>"; exits 0 either way.
future() { git merge-base --is-ancestor "$1" "$base" 2>/dev/null && return 1; return 0; }
subject() { git log -1 --format=%s "$1" 2>/dev/null; }

audit_git() {
  base=$(git rev-parse --verify -q "${1:-HEAD}^{commit}") || {
    echo "no-base ${1:-HEAD} is not a commit in $(pwd)"; return; }
  git for-each-ref --format='%(objectname) %(*objectname) %(refname)' |
  while read -r obj peeled ref; do
    [ -n "$ref" ] || { ref=$peeled; peeled=""; }  # no peeled object: two fields only
    c=${peeled:-$obj}
    git cat-file -e "$c^{commit}" 2>/dev/null || continue
    c=$(git rev-parse "$c^{commit}")
    future "$c" && echo "ref $ref -> $c $(subject "$c")"
  done
  git rev-list --all --reflog 2>/dev/null | while read -r c; do
    future "$c" && echo "commit $c $(subject "$c")"
  done | sort -u
  git fsck --unreachable --no-reflogs --no-progress 2>/dev/null |
  awk '$2 == "commit" {print $3}' | while read -r c; do
    future "$c" && echo "unreachable-commit $c $(subject "$c")"
  done
  for ref in HEAD $(git for-each-ref --format='%(refname)'); do
    git reflog show --format=%H "$ref" -- 2>/dev/null | while read -r c; do
      future "$c" && echo "reflog $ref -> $c $(subject "$c")"
    done
  done | sort -u
  git rev-parse -q --verify refs/stash >/dev/null && echo "stash $(git rev-parse refs/stash)"
  git remote -v 2>/dev/null | awk '{print "remote " $1 " " $2}' | sort -u
}

if git rev-parse --git-dir >/dev/null 2>&1; then audit_git "$1"; fi
for d in /solution /tests; do
  [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] &&
    echo "baked-in $d holds $(ls -A "$d" | head -5 | tr '\n' ' ')"
done
exit 0
