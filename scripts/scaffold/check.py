"""Generates every pattern x runtime starter and runs the validators on each (see ./check).

Runs inside the validators' venv (scripts/scaffold/setup), so cfn-lint, checkov, hadolint,
check-jsonschema and zizmor are next to this interpreter.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CASES = ROOT / "questionnaires" / "tests" / "cases"
VENV_BIN = Path(sys.executable).parent

PATTERNS = [
    "api_lambda_dynamodb",
    "s3_event_processing",
    "sns_sqs_fanout",
    "eventbridge_bus",
    "step_functions_orchestration",
    "kinesis_stream_processing",
    "webhook_sqs_buffer",
    "containers_fargate",
    "queue_worker_containers",
]
# Containers starters: plain CloudFormation (no SAM translate), a Dockerfile (hadolint, and
# checkov's dockerfile framework) and the app in the runtime's own layout.
CONTAINERS = {"containers_fargate", "queue_worker_containers"}
# Their own answers: 06 (a steady HTTP API on DynamoDB) and 24 (a scheduled and queued worker with
# a secret and idempotency); MAIN gives each of them too.
CONTAINER_VARIANTS = [
    ("06_steady_pricing_api.toml", "containers_fargate"),
    ("24_nightly_video_transcode.toml", "queue_worker_containers"),
    ("13_tile_render_long_jobs.toml", "queue_worker_containers"),
]
RUNTIMES = ["python", "typescript", "rust"]

# The main answers file: idempotency (costly duplicates), compensation in the workflow, a JWT
# API, reserved concurrency, AWS-managed keys. Every pattern x runtime is generated from it.
MAIN = "05_travel_booking_approval.toml"
# Variants: the other branches of the plan, each with a runtime's own checks too.
VARIANTS = [
    # customer-managed KMS key, an EventBridge archive, IAM-authorized API, one-shard stream
    ("08_ledger_ordered_stream.toml", "python"),
    # no idempotency (harmless duplicates), no reserved concurrency in prod
    ("06_steady_pricing_api.toml", "python"),
    ("06_steady_pricing_api.toml", "typescript"),
]

STEPS = ["cfn-lint", "translate", "cfn-lint-cfn", "checkov", "hadolint", "workflow-schema", "zizmor",
         "runtime"]


@dataclass
class Result:
    answers: str
    pattern: str
    runtime: str
    steps: dict[str, str] = field(default_factory=dict)  # step -> ok / FAIL / skip / -
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def trellis_bin() -> Path:
    if os.environ.get("TRELLIS_BIN"):
        return Path(os.environ["TRELLIS_BIN"])
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else ROOT / "target"
    return base / "debug" / "trellis"


def run(cmd: list[str], cwd: Path | None = None, timeout: int = 1800) -> tuple[bool, str]:
    try:
        p = subprocess.run(
            cmd,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "NO_COLOR": "1", "TRELLIS_BIN": str(trellis_bin())},
        )
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout} s: {' '.join(cmd)}"
    return p.returncode == 0, (p.stdout + p.stderr).strip()


def check_one(
    trellis: Path, work: Path, answers: str, pattern: str, runtime: str, runtime_check: bool
) -> Result:
    r = Result(answers, pattern, runtime)
    start = time.monotonic()
    name = f"{Path(answers).stem[:2]}-{pattern}-{runtime}"
    out = work / name
    shutil.rmtree(out, ignore_errors=True)

    def step(label: str, ok: bool, text: str) -> bool:
        r.steps[label] = "ok" if ok else "FAIL"
        if not ok:
            r.failures.append((label, text))
        return ok

    ok, text = run(
        [str(trellis), "scaffold", str(CASES / answers), "--pattern", pattern,
         "--runtime", runtime, "--out", str(out)]
    )
    if not step("generate", ok, text):
        r.seconds = time.monotonic() - start
        return r

    template = out / "template.yaml"
    transformed = work / f"{name}.cfn.json"
    containers = pattern in CONTAINERS
    step("cfn-lint", *run([str(VENV_BIN / "cfn-lint"), str(template)]))
    if containers:
        # Plain CloudFormation: nothing to translate.
        r.steps["translate"] = r.steps["cfn-lint-cfn"] = "-"
    else:
        ok, text = run([sys.executable, str(HERE / "sam_translate.py"), str(template),
                        str(transformed)])
        if step("translate", ok, text):
            step("cfn-lint-cfn", *run([str(VENV_BIN / "cfn-lint"), str(transformed)]))
        else:
            r.steps["cfn-lint-cfn"] = "-"
    files = ["-f", str(template)] + (["-f", str(transformed)] if transformed.exists() else [])
    if containers:
        files += ["-f", str(out / "Dockerfile")]
    step(
        "checkov",
        *run(
            [str(VENV_BIN / "checkov"), "--skip-download", "--quiet", "--compact",
             "--framework", "cloudformation,dockerfile" if containers else "cloudformation",
             "--config-file", str(out / ".checkov.yaml"), *files]
        ),
    )
    if containers:
        step("hadolint", *run([str(VENV_BIN / "hadolint"), "--config", str(out / ".hadolint.yaml"),
                               str(out / "Dockerfile")]))
    else:
        r.steps["hadolint"] = "-"
    workflow = out / ".github" / "workflows" / "ci.yml"
    step(
        "workflow-schema",
        *run([str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
              str(workflow)]),
    )
    step(
        "zizmor",
        *run([str(VENV_BIN / "zizmor"), "--offline", "--no-progress",
              "--config", str(out / ".github" / "zizmor.yml"), str(workflow)]),
    )
    script = HERE / f"check-{runtime}"
    if containers and runtime == "rust" and runtime_check:
        # check-rust builds Lambda starters by pattern; a containers starter is checked in place.
        step("runtime", *run([str(HERE / "check-rust-dir"), str(out)], timeout=3600))
    elif not runtime_check:
        r.steps["runtime"] = "-"
    elif script.exists():
        step("runtime", *run([str(script), str(out)]))
    else:
        r.steps["runtime"] = "skip"
    r.seconds = time.monotonic() - start
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--patterns", default=",".join(PATTERNS))
    ap.add_argument("--rust-all", action="store_true",
                    help="check-rust --all: cargo check and test every pattern (those of --patterns, "
                         "when given), not only the webhook starter")
    ap.add_argument("--no-variants", action="store_true",
                    help="only the main answers file, not the variants")
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    runtimes = [x for x in args.runtimes.split(",") if x]
    patterns = [x for x in args.patterns.split(",") if x]
    for x in runtimes:
        if x not in RUNTIMES:
            ap.error(f"unknown runtime {x}")
    for x in patterns:
        if x not in PATTERNS:
            ap.error(f"unknown pattern {x}")
    trellis = trellis_bin()
    if not trellis.exists():
        print(f"check: no trellis binary at {trellis}: build it with "
              "`cargo build -p server --bin trellis`, or set TRELLIS_BIN", file=sys.stderr)
        return 2

    jobs: list[tuple[str, str, str, bool]] = []
    for runtime in runtimes:
        for i, pattern in enumerate(patterns):
            # check-rust generates and builds its own starters (below), not one per directory;
            # a containers starter in Rust is built in place (check-rust-dir).
            runtime_check = runtime != "rust" or pattern in CONTAINERS
            jobs.append((MAIN, pattern, runtime, runtime_check))
    if not args.no_variants:
        for answers, runtime in VARIANTS:
            if runtime in runtimes:
                # The variants flip plan branches (no idempotency, a customer key), so the
                # runtime's own checks run on them too.
                jobs.extend((answers, p, runtime, runtime != "rust") for p in patterns
                            if p not in CONTAINERS)
        for answers, pattern in CONTAINER_VARIANTS:
            if pattern in patterns:
                jobs.extend((answers, pattern, runtime, True) for runtime in runtimes)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="trellis-scaffold-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # The Rust checks share one cargo target dir: run them after the others, one at a time.
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda j: check_one(trellis, work, *j),
                                [j for j in jobs if j[2] != "rust"]))
    results += [check_one(trellis, work, *j) for j in jobs if j[2] == "rust"]
    rust_line = ""
    if "rust" in runtimes and (HERE / "check-rust").exists() and any(
            p not in CONTAINERS for p in patterns):
        # check-rust takes an answers file, generates the webhook starter (every pattern with
        # --all) and runs cargo check (and, with --all, cargo test) in each, in a shared target dir.
        answers = str((CASES / MAIN).relative_to(ROOT))  # check-rust reads it from the root
        # The default run (scripts/test, CI) is `cargo check` of one starter; --rust-all also
        # runs every starter's own tests (the documented slower check).
        lambda_patterns = [p for p in patterns if p not in CONTAINERS]
        if not lambda_patterns:
            selection = []
        elif not args.rust_all:
            selection = ["--no-test"]
        elif set(lambda_patterns) == set(PATTERNS) - CONTAINERS:
            selection = ["--all"]
        else:
            selection = [f"--patterns={','.join(lambda_patterns)}"]
        cmd = [str(HERE / "check-rust"), *selection, answers]
        t = time.monotonic()
        ok, text = run(cmd, timeout=3600)
        rust_line = (f"check-rust {selection[0]} {MAIN}: "
                     f"{'ok' if ok else 'FAIL'} ({time.monotonic() - t:.0f} s)")
        if not ok:
            r = Result(MAIN, f"check-rust {selection[0]}", "rust")
            r.failures.append(("check-rust", text))
            results.append(r)
    elapsed = time.monotonic() - started

    cols = ["generate", *STEPS]
    head = f"{'answers':<8} {'pattern':<29} {'runtime':<11}" + "".join(f"{c:<16}" for c in cols)
    print(head + "time")
    for r in results:
        if not r.steps:
            continue
        line = f"{r.answers[:2]:<8} {r.pattern:<29} {r.runtime:<11}"
        line += "".join(f"{r.steps.get(c, '-'):<16}" for c in cols)
        print(line + f"{r.seconds:.0f}s")
    if rust_line:
        print(rust_line)
    failed = [r for r in results if not r.ok]
    for r in failed:
        for label, text in r.failures:
            print(f"\n==== {r.answers} {r.pattern} {r.runtime}: {label} failed")
            print(text[-6000:])
    kept = args.keep or failed
    print(f"\n{len(results)} starters, {len(failed)} failing, {elapsed:.0f} s"
          + (f"; files in {work}" if kept else ""))
    if not kept:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
