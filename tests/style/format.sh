#!/usr/bin/env bash
# Fails when a C file of the tree differs from the committed .clang-format,
# printing clang-format's report for each. Fix with:
#   clang-format -i $(git ls-files '*.c' '*.h')
set -u
root=${1:-.}
cd "$root" || exit 2
if ! command -v clang-format >/dev/null; then
	echo "clang-format is not installed (ci/setup installs it)"
	exit 1
fi
mapfile -t files < <(find runner store kernel tests ci -name '*.[ch]' -not -path '*/build/*' | sort)
bad=0
for f in "${files[@]}"; do
	if ! out=$(clang-format --dry-run -Werror "$f" 2>&1) || [ -n "$out" ]; then
		echo "$out" | head -20
		bad=$((bad + 1))
	fi
done
if [ "$bad" -gt 0 ]; then
	echo "$bad of ${#files[@]} files differ from .clang-format (clang-format -i FILE fixes them)"
	exit 1
fi
echo "${#files[@]} files formatted as .clang-format says"
