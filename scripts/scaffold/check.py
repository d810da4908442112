"""Generates every pattern x runtime starter and runs the validators over them (see ./check).

Runs inside the validators' venv (scripts/scaffold/setup), so cfn-lint, checkov,
check-jsonschema and zizmor are next to this interpreter.

Each validator runs once over all the starters rather than once per starter: a validator's start-up
(loading its rules, or the SAM translator) costs more than checking one more template. Each finding
is then given back to the starter whose file it names, so the matrix still says which starter
failed which validator, and the validator table says what each one cost.
"""

from __future__ import annotations

import argparse
import json
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
    "scheduled_jobs",
    "saga",
    "relational_api",
    "strangler_fig",
    "cqrs",
    "event_sourcing",
    "realtime_broadcast",
    "bff",
    "circuit_breaker",
    "containers_fargate",
    "queue_worker_containers",
]
# Containers starters: plain CloudFormation (no SAM translate), a Dockerfile (hadolint, and
# checkov's dockerfile framework) and the app in the runtime's own layout.
CONTAINERS = {"containers_fargate", "queue_worker_containers"}
# Their own answers: 06 (a steady HTTP API on DynamoDB), 13 (20-minute renders) and 24 (a
# scheduled and queued worker with a secret and idempotency); MAIN gives each of them too.
CONTAINER_VARIANTS = [
    ("06_steady_pricing_api.toml", "containers_fargate"),
    ("13_tile_render_long_jobs.toml", "queue_worker_containers"),
    ("24_nightly_video_transcode.toml", "queue_worker_containers"),
]
RUNTIMES = ["python", "typescript", "rust"]

# Serverless patterns whose own case is the one that reads them as a team would: each is also
# generated from it, in every runtime asked for (16: a monolith strangled route by route).
PATTERN_CASES = [
    ("16_monolith_strangler.toml", "strangler_fig"),
    # 35: order tracking read nine times more than written, by shop and by status.
    ("35_order_tracking_read_models.toml", "cqrs"),
    # 08: a ledger whose postings three consumers read in order per account, replayable 7 days.
    ("08_ledger_ordered_stream.toml", "event_sourcing"),
    # 07: live quotes to traders (FIFO order, sessions past the 2-hour limit); 23: chat rooms.
    ("07_live_quotes_websocket.toml", "realtime_broadcast"),
    ("23_chat_websocket_broadcast.toml", "realtime_broadcast"),
    # 10: web, mobile and partner clients of one clinic back end (25 argues against a BFF).
    ("10_aurora_many_functions.toml", "bff"),
    # 09: a checkout API charging cards through a payment provider (API caller, costly
    # duplicates); 14: provider webhooks processed from a queue (queue caller).
    ("09_payment_capture_no_idempotency.toml", "circuit_breaker"),
    ("14_shop_webhooks.toml", "circuit_breaker"),
    # 30: a ledger whose postings stay in order per account on a FIFO queue, at 4,000 a second
    # (over normal mode, so high-throughput mode).
    ("30_ledger_sqs_fifo_throughput.toml", "webhook_sqs_buffer"),
    ("30_ledger_sqs_fifo_throughput.toml", "sns_sqs_fanout"),
]

# Answers that name a schedule as an entry point (12: a monthly billing run): the patterns whose
# own ingress a schedule starts (a bus, a state machine, a stream) are generated from them too,
# in SAM and CDK, so the scheduled entry point is validated.
SCHEDULE_CASES = [("12_monthly_billing_run.toml", "python")]
SCHEDULED_START = ["eventbridge_bus", "step_functions_orchestration", "saga", "kinesis_stream_processing"]

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

# A CDK starter is synthesized first (check-cdk: tsc, then the app without network); the
# template it writes goes through the same validators as a SAM template. Its handlers, tests and
# workflows other than the IaC steps are the SAM starter's (a Rust test keeps them so), so the
# runtime checks run on the SAM starters only.
IACS = ["sam", "cdk"]

STEPS = ["synth", "cfn-lint", "translate", "cfn-lint-cfn", "checkov", "hadolint", "workflow-schema", "zizmor",
         "round-trip", "runtime"]

# The round trip for CDK: a synthesized template, read back by `trellis import-iac`, answers these
# questions as its SAM twin (same answers, pattern and runtime) does. The Rust test
# server/tests/api/round_trip.rs holds every SAM and containers starter to the answers it was
# generated from, so the two together hold the CDK starters to them too.
ROUND_TRIP = ["runtime", "architecture", "memory_mb", "tracing", "log_retention", "deploy_strategy",
              "entry_point", "messaging", "sqs_queue_type", "data_store", "dynamodb_capacity_mode",
              "event_replay", "alarms", "budget_alarm"]


@dataclass
class Starter:
    answers: str
    pattern: str
    runtime: str
    runtime_check: bool
    iac: str = "sam"
    dir: Path = Path()
    steps: dict[str, str] = field(default_factory=dict)  # step -> ok / FAIL / skip / -
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0  # its own work: generating it and its runtime's checks

    @property
    def name(self) -> str:
        suffix = "-cdk" if self.iac == "cdk" else ""
        return f"{Path(self.answers).stem[:2]}-{self.pattern}-{self.runtime}{suffix}"

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def containers(self) -> bool:
        return self.pattern in CONTAINERS

    @property
    def template(self) -> Path:
        if self.iac == "cdk":
            found = sorted((self.dir / "infra" / "cdk.out").glob("*.template.json"))
            return found[0] if found else self.dir / "infra" / "cdk.out" / "missing.template.json"
        return self.dir / "template.yaml"

    @property
    def transformed(self) -> Path:
        return self.dir.parent / f"{self.name}.cfn.json"

    @property
    def workflows(self) -> list[Path]:
        return sorted((self.dir / ".github" / "workflows").glob("*.yml"))

    def record(self, step: str, ok: bool, text: str = "") -> None:
        if self.steps.get(step) == "FAIL":
            return
        self.steps[step] = "ok" if ok else "FAIL"
        if not ok:
            self.failures.append((step, text))


@dataclass
class Validator:
    """One validator's run over many starters, for the table of validators."""

    name: str
    starters: int = 0
    failed: int = 0
    seconds: float = 0.0


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


def attribute(starters: list[Starter], step: str, ok: bool, text: str,
              files: dict[Path, Starter]) -> None:
    """Gives a batch run's output back to the starters whose files it names.

    When the run passed, every starter passed. When it failed, every line that names a file
    belongs to that file's starter, and a starter no line names passed; when no line names a file,
    every starter in it failed (the validator itself broke), so a failure is never lost.
    """
    if ok:
        for s in files.values():
            s.record(step, True)
        return
    lines: dict[int, list[str]] = {}
    for line in text.splitlines():
        if " INFO " in line:  # zizmor's progress lines name every file it read
            continue
        for path, s in files.items():
            if str(path) in line:
                lines.setdefault(id(s), []).append(line)
                break
    batch = {id(s): s for s in files.values()}
    for key, s in batch.items():
        named = lines.get(key)
        if named:
            s.record(step, False, "\n".join(named))
        elif lines:
            s.record(step, True)
        else:
            s.record(step, False, text)


def timed(validators: list[Validator], name: str, starters: list[Starter], work,
          step: str | None = None) -> None:
    """Runs `work`, and records its time and how many of `starters` failed its step (`name`
    unless `step` says otherwise)."""
    t = time.monotonic()
    work()
    failed = sum(1 for s in starters if s.steps.get(step or name) == "FAIL")
    validators.append(Validator(name, len(starters), failed, time.monotonic() - t))


def generate(trellis: Path, work: Path, s: Starter) -> None:
    start = time.monotonic()
    s.dir = work / s.name
    shutil.rmtree(s.dir, ignore_errors=True)
    ok, text = run(
        [str(trellis), "scaffold", str(CASES / s.answers), "--pattern", s.pattern,
         "--runtime", s.runtime, "--iac", s.iac, "--out", str(s.dir)]
    )
    s.record("generate", ok, text)
    s.seconds += time.monotonic() - start


def synth(starters: list[Starter]) -> None:
    """check-cdk, once over every CDK starter: tsc and a synthesis without network."""
    cdk = {s.dir: s for s in starters if s.iac == "cdk"}
    for s in starters:
        if s.iac != "cdk":
            s.steps["synth"] = "-"
    if cdk:
        ok, text = run([str(HERE / "check-cdk"), *map(str, cdk)])
        attribute(list(cdk.values()), "synth", ok, text, cdk)


def imported(trellis: Path, template: Path) -> tuple[dict | None, str]:
    """The answers `trellis import-iac` reads from one template, or its error."""
    out = template.parent / f"{template.name}.imported.json"
    ok, text = run([str(trellis), "import-iac", str(template), "--out", str(out)])
    if not ok:
        return None, text
    return json.loads(out.read_text())["answers"], ""


def round_trip(trellis: Path, work: Path, starters: list[Starter]) -> None:
    """Each synthesized CDK template imports to the answers its SAM twin's template does."""
    (work / "twins").mkdir(exist_ok=True)
    for s in starters:
        if s.iac != "cdk" or s.steps.get("synth") != "ok":
            s.steps["round-trip"] = "-"
            continue
        twin = Starter(s.answers, s.pattern, s.runtime, False)
        generate(trellis, work / "twins", twin)
        if not twin.ok:
            s.record("round-trip", False, f"the SAM twin: {twin.failures[0][1]}")
            continue
        cdk, err = imported(trellis, s.template)
        sam, err_sam = imported(trellis, twin.template)
        if cdk is None or sam is None:
            s.record("round-trip", False, err or err_sam)
            continue
        diffs = [f"{q}: the synthesized template gives {cdk.get(q)!r}, the SAM one {sam.get(q)!r}"
                 for q in ROUND_TRIP if cdk.get(q) != sam.get(q)]
        s.record("round-trip", not diffs, "\n".join(f"{s.template}: {d}" for d in diffs))


def cfn_lint(starters: list[Starter], step: str, path) -> None:
    files = {path(s): s for s in starters if path(s).exists()}
    for s in starters:
        if path(s) not in files:
            s.steps[step] = "-"
    if files:
        ok, text = run([str(VENV_BIN / "cfn-lint"), "--format", "parseable", *map(str, files)])
        attribute(starters, step, ok, text, files)


def translate(starters: list[Starter]) -> None:
    # A containers starter is plain CloudFormation: nothing to translate.
    for s in starters:
        if s.containers or not s.template.exists():
            s.steps["translate"] = "-"
    sam = [s for s in starters if not s.containers and s.template.exists()]
    if sam:
        pairs = [x for s in sam for x in (str(s.template), str(s.transformed))]
        ok, text = run([sys.executable, str(HERE / "sam_translate.py"), *pairs])
        attribute(sam, "translate", ok, text, {s.template: s for s in sam})


def hadolint(starters: list[Starter]) -> None:
    """hadolint over every Dockerfile, once per distinct `.hadolint.yaml`."""
    groups: dict[str, list[Starter]] = {}
    for s in starters:
        if s.containers:
            groups.setdefault((s.dir / ".hadolint.yaml").read_text(), []).append(s)
        else:
            s.steps["hadolint"] = "-"
    for group in groups.values():
        mine = {s.dir / "Dockerfile": s for s in group}
        ok, text = run([str(VENV_BIN / "hadolint"), "--config",
                        str(group[0].dir / ".hadolint.yaml"), *map(str, mine)])
        attribute(group, "hadolint", ok, text, mine)


def checkov(starters: list[Starter]) -> None:
    """One checkov run over every template, then each starter's own `.checkov.yaml` skips."""
    import yaml  # cfn-lint's dependency, in the same venv

    files: dict[Path, Starter] = {}
    for s in starters:
        if not s.template.exists():
            s.steps["checkov"] = "-"
            continue
        files[s.template] = s
        if s.transformed.exists():
            files[s.transformed] = s
        if s.containers:
            files[s.dir / "Dockerfile"] = s
    cmd = [str(VENV_BIN / "checkov"), "--skip-download", "--compact", "--framework",
           "cloudformation", "dockerfile", "--output", "json",
           *[a for f in files for a in ("-f", str(f))]]
    # Only stdout is the report: checkov logs parse problems to stderr.
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                       env={**os.environ, "NO_COLOR": "1"})
    try:
        reports = json.loads(p.stdout)
    except ValueError:
        for s in starters:
            s.record("checkov", False, (p.stdout + p.stderr)[-4000:])
        return
    reports = reports if isinstance(reports, list) else [reports]
    skips: dict[int, set[str]] = {}
    for s in starters:
        if s.template not in files:
            continue
        config = yaml.safe_load((s.dir / ".checkov.yaml").read_text()) or {}
        skips[id(s)] = set(config.get("skip-check") or [])
    def owner(check: dict) -> Path | None:
        path = Path(check["file_abs_path"]) if check.get("file_abs_path") else None
        if path in files:
            return path
        return next((f for f in files if str(f).endswith(check.get("file_path", "?"))), None)

    findings: dict[int, list[str]] = {}
    seen: set[Path] = set()
    for report in reports:
        results = report.get("results") or {}
        for kind in ("passed_checks", "failed_checks", "skipped_checks"):
            for check in results.get(kind, []):
                path = owner(check)
                if path is None:
                    continue
                seen.add(path)
                s = files[path]
                if kind != "failed_checks" or check["check_id"] in skips[id(s)]:
                    continue
                findings.setdefault(id(s), []).append(
                    f"{check['check_id']} {check['check_name']}: {check['resource']} "
                    f"({check['file_path']}:{check['file_line_range'][0]})"
                )
    for path, s in files.items():
        # The JSON report counts parse errors without naming the file: a file no check read
        # is one checkov could not parse.
        if path not in seen:
            findings.setdefault(id(s), []).append(f"checkov could not read {path}")
    for s in starters:
        s.record("checkov", not findings.get(id(s)), "\n".join(findings.get(id(s), [])))


def workflows(starters: list[Starter]) -> tuple:
    files = {w: s for s in starters for w in s.workflows}

    def schema() -> None:
        ok, text = run([str(VENV_BIN / "check-jsonschema"), "--builtin-schema",
                        "vendor.github-workflows", *map(str, files)])
        attribute(starters, "workflow-schema", ok, text, files)

    def zizmor() -> None:
        # The policy is the same file in every starter; group by its text all the same.
        groups: dict[str, list[Starter]] = {}
        for s in starters:
            groups.setdefault((s.dir / ".github" / "zizmor.yml").read_text(), []).append(s)
        for group in groups.values():
            mine = {w: s for s in group for w in s.workflows}
            ok, text = run([str(VENV_BIN / "zizmor"), "--offline", "--no-progress", "--config",
                            str(group[0].dir / ".github" / "zizmor.yml"), *map(str, mine)])
            attribute(group, "zizmor", ok, text, mine)

    return schema, zizmor


def runtime_check(s: Starter) -> None:
    start = time.monotonic()
    script = HERE / f"check-{s.runtime}"
    if s.containers and s.runtime == "rust" and s.runtime_check:
        # check-rust builds Lambda starters by pattern; a containers starter is checked in place.
        s.record("runtime", *run([str(HERE / "check-rust-dir"), str(s.dir)], timeout=3600))
    elif not s.runtime_check:
        s.steps["runtime"] = "-"
    elif script.exists():
        s.record("runtime", *run([str(script), str(s.dir)]))
    else:
        s.steps["runtime"] = "skip"
    s.seconds += time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--patterns", default=",".join(PATTERNS))
    ap.add_argument("--rust-all", action="store_true",
                    help="check-rust --all: cargo check and test every pattern (those of --patterns, "
                         "when given), not only the webhook starter")
    ap.add_argument("--no-variants", action="store_true",
                    help="only the main answers file, not the variants")
    ap.add_argument("--iacs", default=",".join(IACS),
                    help="sam, cdk or both: CDK starters are every pattern x runtime of the main "
                         "answers file")
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
    iacs = [x for x in args.iacs.split(",") if x]
    for x in iacs:
        if x not in IACS:
            ap.error(f"unknown IaC {x}")
    trellis = trellis_bin()
    if not trellis.exists():
        print(f"check: no trellis binary at {trellis}: build it with "
              "`cargo build -p server --bin trellis`, or set TRELLIS_BIN", file=sys.stderr)
        return 2

    # check-rust generates and builds its own Lambda starters (below), not one per directory; a
    # containers starter in Rust is built in place, from its own answers only (CONTAINER_VARIANTS).
    starters = []
    if "sam" in iacs:
        starters = [Starter(MAIN, p, r, r != "rust") for r in runtimes for p in patterns]
    if "sam" in iacs and not args.no_variants:
        for answers, runtime in VARIANTS:
            if runtime in runtimes:
                # The variants flip plan branches (no idempotency, a customer key), so the
                # runtime's own checks run on them too.
                starters += [Starter(answers, p, runtime, runtime != "rust") for p in patterns
                             if p not in CONTAINERS]
        for answers, pattern in CONTAINER_VARIANTS:
            if pattern in patterns:
                starters += [Starter(answers, pattern, r, True) for r in runtimes]
        for answers, pattern in PATTERN_CASES:
            if pattern in patterns:
                starters += [Starter(answers, pattern, r, r != "rust") for r in runtimes]

    if "cdk" in iacs:
        starters += [Starter(MAIN, p, r, False, "cdk") for r in runtimes for p in patterns]
    for answers, runtime in SCHEDULE_CASES:
        if runtime in runtimes and not args.no_variants:
            starters += [Starter(answers, p, runtime, iac == "sam" and runtime != "rust", iac)
                         for iac in iacs for p in patterns if p in SCHEDULED_START]

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="trellis-scaffold-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    validators: list[Validator] = []
    jobs = max(1, args.jobs)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        timed(validators, "generate", starters,
              lambda: list(pool.map(lambda s: generate(trellis, work, s), starters)))
        made = [s for s in starters if s.steps.get("generate") == "ok"]
        timed(validators, "synth (check-cdk)", [s for s in made if s.iac == "cdk"],
              lambda: synth(made), step="synth")
        schema, zizmor = workflows(made)

        # Two lanes on two cores: the source templates and the workflows; the SAM translation,
        # the translated templates and checkov (which reads both).
        def lane_source() -> None:
            timed(validators, "cfn-lint", made, lambda: cfn_lint(made, "cfn-lint", lambda s: s.template))
            timed(validators, "workflow-schema", made, schema)
            timed(validators, "zizmor", made, zizmor)

        def lane_transformed() -> None:
            timed(validators, "translate", made, lambda: translate(made))
            timed(validators, "cfn-lint-cfn", made,
                  lambda: cfn_lint(made, "cfn-lint-cfn", lambda s: s.transformed))
            timed(validators, "checkov", made, lambda: checkov(made))
            timed(validators, "hadolint", made, lambda: hadolint(made))

        for f in [pool.submit(lane_source), pool.submit(lane_transformed)]:
            f.result()
        timed(validators, "round-trip (CDK vs SAM import)", [s for s in made if s.iac == "cdk"],
              lambda: round_trip(trellis, work, made), step="round-trip")

        checked = [s for s in made if s.runtime_check]
        for s in made:
            if not s.runtime_check:
                s.steps["runtime"] = "-"
        for runtime in runtimes:
            mine = [s for s in checked if s.runtime == runtime]
            if mine:
                timed(validators, f"check-{runtime}", mine,
                      lambda mine=mine: list(pool.map(runtime_check, mine)), step="runtime")

    if "sam" in iacs and "rust" in runtimes and (HERE / "check-rust").exists() and any(
            p not in CONTAINERS for p in patterns):
        # check-rust takes an answers file, generates the webhook starter (every pattern with
        # --all) and runs cargo check (and, with --all, cargo test) in each, in a shared target dir.
        answers = str((CASES / MAIN).relative_to(ROOT))  # check-rust reads it from the root
        # The default run (scripts/test, CI) is `cargo check` of one starter; --rust-all also
        # runs every starter's own tests (the documented slower check).
        if not args.rust_all:
            selection = ["--no-test"]
        elif set(patterns) >= set(PATTERNS) - CONTAINERS:
            selection = ["--all"]
        else:
            selection = [f"--patterns={','.join(p for p in patterns if p not in CONTAINERS)}"]
        t = time.monotonic()
        ok, text = run([str(HERE / "check-rust"), *selection, answers], timeout=3600)
        validators.append(Validator(f"check-rust {selection[0]}", 1, 0 if ok else 1,
                                    time.monotonic() - t))
        if not ok:
            failed = Starter(MAIN, f"check-rust {selection[0]}", "rust", False)
            failed.failures.append(("check-rust", text))
            starters.append(failed)
    elapsed = time.monotonic() - started

    cols = ["generate", *STEPS]
    head = f"{'answers':<8} {'pattern':<29} {'runtime':<11} {'iac':<4} "
    print(head + "".join(f"{c:<16}" for c in cols) + "own time")
    for s in starters:
        if not s.steps:
            continue
        iac = s.iac if s.iac == "cdk" else ("cfn" if s.containers else "sam")
        line = f"{s.answers[:2]:<8} {s.pattern:<29} {s.runtime:<11} {iac:<4} "
        line += "".join(f"{s.steps.get(c, '-'):<16}" for c in cols)
        print(line + f"{s.seconds:.0f}s")
    print(f"\n{'validator':<28} {'starters':>8} {'failed':>7} {'time':>7}")
    for v in validators:
        print(f"{v.name:<28} {v.starters:>8} {v.failed:>7} {v.seconds:>6.0f}s")
    failed = [s for s in starters if not s.ok]
    for s in failed:
        for label, text in s.failures:
            print(f"\n==== {s.answers} {s.pattern} {s.runtime}: {label} failed")
            print(text[-6000:])
    kept = args.keep or failed
    print(f"\n{len(starters)} starters, {len(failed)} failing, {elapsed:.0f} s"
          + (f"; files in {work}" if kept else ""))
    if not kept:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
