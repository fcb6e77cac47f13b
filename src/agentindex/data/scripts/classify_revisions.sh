# After the agent: what each word it gave a revision-taking git command resolves to.
# $1: the base commit; then the words. One line each: "WORD<TAB>COMMIT|-<TAB>ancestor|other|missing".
base=$1; shift
for t in "$@"; do
  c=$(git rev-parse --verify -q "$t^{commit}" 2>/dev/null) || { printf '%s\t-\tmissing\n' "$t"; continue; }
  if git merge-base --is-ancestor "$c" "$base" 2>/dev/null; then k=ancestor; else k=other; fi
  printf '%s\t%s\t%s\n' "$t" "$c" "$k"
done
exit 0
