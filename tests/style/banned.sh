#!/usr/bin/env bash
# Fails when a banned function (strcpy, sprintf, strtok, gets, strcat, vsprintf)
# is called anywhere in the C sources, printing each offending line.
set -u
root=${1:-.}
hits=$(grep -nE '(^|[^_a-zA-Z0-9])(strcpy|sprintf|vsprintf|strtok|gets|strcat)[[:space:]]*\(' \
	$(find "$root"/runner "$root"/store "$root"/kernel "$root"/tests -name '*.[ch]' 2>/dev/null) 2>/dev/null |
	grep -vE '(snprintf|vsnprintf|strtok_r)\b' || true)
if [ -n "$hits" ]; then
	echo "banned functions used:"
	echo "$hits"
	exit 1
fi
echo "no banned functions in $(find "$root"/runner "$root"/store "$root"/kernel "$root"/tests -name '*.[ch]' | wc -l) files"
