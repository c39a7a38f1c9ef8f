#!/bin/sh
# Install the Debian packages ldomsim needs, only those that are missing.
# Idempotent: a second run with everything present does nothing and exits 0.
#
#   scripts/deps.sh [PACKAGE...]   also install these (the guest build asks
#                                  for linux-source-X.Y when KERNEL_SRC names
#                                  /usr/src/linux-source-X.Y.tar.xz)
# Exit: 0 installed or present, 1 install failed, 2 a bad package name.
set -eu

for p in "$@"; do
	case $p in
	*[!a-z0-9.+-]* | [!a-z0-9]* | *[!a-z0-9]) echo "deps.sh: '$p' is not a Debian package name (a-z 0-9 . + -, starting and ending alphanumeric)" >&2; exit 2 ;;
	esac
done

PKGS="make gcc libunicorn-dev libcriterion-dev libjansson-dev gnuplot-nox \
binutils-sparc64-linux-gnu gcc-sparc64-linux-gnu linux-source-6.1 \
flex bison bc xz-utils libssl-dev zlib1g-dev libelf-dev python3 pkg-config \
clang libclang-rt-dev parallel patch python3-jsonschema \
chromium libpng-dev $*"
# chromium, libpng-dev: the test that renders the HTML report in a browser
# and decodes its screenshot (tests/slow/test_html_chromium.c).

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "deps.sh: need root (or sudo) to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || echo "deps.sh: apt-get update failed; trying with cached lists" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
