#!/bin/sh
# Runs a command with an unlocked gnome-keyring (the desktop's Secret Service) on the private
# D-Bus session this is started in (dbus-run-session -- with_keyring.sh COMMAND...). The keyring
# files live in a temporary folder, removed afterwards; the user's own keyring is never touched.
set -eu
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
# --unlock reads the new login keyring's password from stdin.
printf 'test-password' | XDG_DATA_HOME="$keyrings" gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$@"
