#!/usr/bin/env bash
# The demo lab (placeholder until the TUI lands): show the bundled profiles
# and their exact QEMU command lines.
set -euo pipefail
vmdeck=$1
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$vmdeck" --profiles "$src/profiles" list
for name in $("$vmdeck" --profiles "$src/profiles" list --names 2>/dev/null); do
	echo
	echo "# $name"
	"$vmdeck" --profiles "$src/profiles" args "$name"
done
