#!/usr/bin/env python3
"""Starts a `trellis serve` for a script and seeds it over HTTP, as a browser and an API client would.

The one harness that scripts/bench and scripts/schemathesis share (issue 18), standard library
only (Python 3.11 or newer):

- `Server`: a context manager that spawns a given `trellis` binary with `serve --addr` on a free
  loopback port over a given database URL (by default a SQLite file in a temporary directory of
  its own), polls `/healthz` until a deadline, reports a process that died (with the tail of its
  log), and stops it on the way out: on an error, on Ctrl-C, on SIGTERM or SIGHUP (after
  `exit_on_signals()`), and (Linux) when the Python process itself is killed.
- seeding, through the same requests the scripts have always made: `sign_up` (the sign-up form;
  a cookie session and the user's team), `make_token` (the account page's token form),
  `area_forms` + `create_assessment_by_form` + `fill_areas` (the review forms a browser posts,
  answered from an answers file), and with the REST API `create_assessment`,
  `put_answers_file`, `create_milestone` and `import_lens`.
- a command line for shell scripts: `serve-and-seed` starts a server, seeds it as
  scripts/schemathesis needs, prints one JSON line (base URL, token, ids) and keeps the server
  running until it is stopped with SIGTERM, SIGINT or SIGHUP.

    python3 scripts/lib/trellis_server.py serve-and-seed --binary BIN [--answers FILE]
        [--milestone NAME] [--lens FILE] [--token-name NAME] [--database-url URL] [--log FILE]
        [--exit-with-parent] [-- SERVE ARGS...]
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from email.message import Message
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, NamedTuple

HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 60.0
LOG_TAIL_LINES = 30


class ServerError(RuntimeError):
    """The server did not start, or stopped while it was wanted."""


class SeedError(RuntimeError):
    """A seeding request did not get the answer it needs."""


def free_port() -> int:
    """A loopback TCP port that nothing listens on now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def healthy(port: int, host: str = HOST) -> bool:
    """Whether /healthz answers 200 now (one quick try)."""
    connection = http.client.HTTPConnection(host, port, timeout=1)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def exit_status(code: int | None) -> str:
    """How a process ended, from a Popen return code: "status N" or "signal N"."""
    return f"signal {-code}" if code is not None and code < 0 else f"status {code}"


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a log file, or a note that there is none."""
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        return f"(no log: {e})"
    return "\n".join(text.splitlines()[-lines:]) or "(the log is empty)"


# --- the server -------------------------------------------------------------------------------

_RUNNING: set[Server] = set()  # started and not stopped yet: stopped at exit, whatever the way
_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Any:
    """libc's prctl, looked up once in the parent (Linux), so that the child only calls it."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl() if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the process that spawned it ends, even by SIGKILL."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Server:
    """`trellis serve` on a free loopback port over one database (a sqlx URL).

    `with Server(binary) as server:` starts it and stops it; `start()` and `stop()` may also be
    called by hand, and again (each start takes a new free port; the database stays). Without a
    database URL it gets a fresh SQLite file; without a log file its output goes to `server.log`;
    both in a temporary directory that is removed when the `with` block (or `close()`) ends.
    With `die_with_parent` (Linux), the server gets SIGTERM when this process ends, even by SIGKILL.
    """

    def __init__(
        self,
        binary: str | os.PathLike[str],
        database_url: str | None = None,
        args: Sequence[str] = (),
        *,
        log: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = START_TIMEOUT_S,
        poll_interval: float = 0.001,
        die_with_parent: bool = True,
    ) -> None:
        self.binary = Path(binary)
        self.args = list(args)
        self.env = {"RUST_LOG": os.environ.get("RUST_LOG", "warn"), **(env or {})}
        self.start_timeout, self.poll_interval = start_timeout, poll_interval
        # A preexec_fn makes the spawn a fork() of this process: about 5 ms more than the vfork()
        # of a plain Popen, which a timed cold start may not want.
        self.die_with_parent = die_with_parent and _PRCTL is not None
        self._work: Path | None = None
        self.database_url = database_url or f"sqlite://{self.work / 'trellis.db'}?mode=rwc"
        self.log = Path(log) if log else self.work / "server.log"
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def work(self) -> Path:
        """The server's own temporary directory (made on first use)."""
        if self._work is None:
            self._work = Path(tempfile.mkdtemp(prefix="trellis-server-"))
        return self._work

    @property
    def base(self) -> str:
        """`http://127.0.0.1:PORT` of the running server."""
        if self.port is None:
            raise ServerError("the server has not been started")
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ServerError("the server is not running")
        return self.process.pid

    def start(self) -> float:
        """Spawns the server and waits for its first 200 of /healthz; milliseconds from spawn.

        Raises ServerError, with the tail of the log, when the process ends first or the deadline
        passes (the process is stopped then)."""
        if self.process is not None:
            raise ServerError("the server is already running")
        self.port = free_port()
        cmd = [str(self.binary), "serve", "--addr", f"{HOST}:{self.port}", "--database-url", self.database_url,
               *self.args]
        started = time.perf_counter()
        with open(self.log, "ab") as log:
            try:
                self.process = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env={**os.environ, **self.env},
                    preexec_fn=_die_with_parent if self.die_with_parent else None,
                )
            except OSError as e:
                raise ServerError(f"cannot run {self.binary}: {e}") from e
        _RUNNING.add(self)
        deadline = started + self.start_timeout
        while not healthy(self.port):
            code = self.process.poll()
            if code is not None:
                self.stop()
                raise ServerError(f"the server exited ({exit_status(code)}) before answering /healthz; "
                                  f"the end of its log ({self.log}):\n{log_tail(self.log)}")
            if time.perf_counter() > deadline:
                self.stop()
                raise ServerError(f"the server did not answer /healthz within {self.start_timeout:g} s; "
                                  f"the end of its log ({self.log}):\n{log_tail(self.log)}")
            time.sleep(self.poll_interval)
        return (time.perf_counter() - started) * 1000

    def check(self) -> None:
        """Raises ServerError, with the tail of the log, if the process has ended."""
        if self.process is None:
            raise ServerError("the server is not running")
        code = self.process.poll()
        if code is not None:
            raise ServerError(f"the server exited ({exit_status(code)}); the end of its log ({self.log}):\n"
                              f"{log_tail(self.log)}")

    def stop(self) -> int | None:
        """SIGTERM (a graceful shutdown), SIGKILL after STOP_TIMEOUT_S; the exit status, if it ran."""
        process, self.process = self.process, None
        _RUNNING.discard(self)
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                return process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
        return process.wait()

    def close(self) -> None:
        """Stops the server and removes its temporary directory, if it made one."""
        self.stop()
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
            self._work = None

    def __enter__(self) -> Server:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def stop_all() -> None:
    """Stops every server started and not stopped yet."""
    for server in list(_RUNNING):
        server.stop()


atexit.register(stop_all)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def exit_on_signals(signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGHUP)) -> None:
    """Makes these signals raise SystemExit, so that `with` blocks and `finally` stop the servers
    (Ctrl-C already raises KeyboardInterrupt)."""
    for signum in signals:
        signal.signal(signum, _exit_on_signal)


# --- HTTP -------------------------------------------------------------------------------------


class Response(NamedTuple):
    status: int
    headers: Message
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)

FormData = Mapping[str, Any] | Sequence[tuple[str, Any]]


def request(
    url: str,
    data: FormData | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    cookie: str | None = None,
    timeout: float = REQUEST_TIMEOUT_S,
) -> Response:
    """One request as a browser's plain form post or page load, following no redirects: a POST
    when there are form fields. Server functions redirect such requests back to a page, so a
    form's answer is its status and Location."""
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    # The Referer, of this very server, passes the server's same-origin check.
    sent = {"Accept": "text/html", "Referer": url, **({"Cookie": cookie} if cookie else {}), **(headers or {})}
    try:
        with _OPENER.open(urllib.request.Request(url, data=body, headers=sent), timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


class Client:
    """One user of a server: a browser's session cookie, or an API token, or neither."""

    def __init__(self, base: str, *, session: str | None = None, token: str | None = None,
                 timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.base, self.session, self.token, self.timeout = base, session, token, timeout

    @property
    def cookie(self) -> str | None:
        """The Cookie header of the session, if any."""
        return f"trellis_session={self.session}" if self.session else None

    def url(self, path: str) -> str:
        return path if "://" in path else f"{self.base}{path}"

    def request(self, path: str, data: FormData | None = None,
                headers: Mapping[str, str] | None = None) -> Response:
        """`request` with this user's cookie (and token); `path` may be a whole URL."""
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return request(self.url(path), data, {**auth, **(headers or {})}, cookie=self.cookie, timeout=self.timeout)

    def api(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None) -> Any:
        """A JSON request to the REST API (`raw`: a body sent as it is); its JSON answer.
        Raises SeedError unless the status is 2xx."""
        data = raw if raw is not None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json", "Origin": self.base}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookie and not self.token:
            headers["Cookie"] = self.cookie
        req = urllib.request.Request(self.url(path), data=data, headers=headers, method=method)
        try:
            with _OPENER.open(req, timeout=self.timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise SeedError(f"{method} {path} gave {e.code}: {e.read()[:300]!r}") from e

    def whoami(self) -> Any:
        """The signed-in user, with their teams (`teams`: [[id, name, role], ...])."""
        status, _, body = self.request("/api/whoami", {}, {"Accept": "application/json"})
        if status != 200:
            raise SeedError(f"{self.base}/api/whoami gave {status}: {body[:300]!r}")
        return json.loads(body)


# --- seeding through the forms ----------------------------------------------------------------


def sign_up(base: str, name: str, email: str, password: str) -> tuple[Client, str]:
    """Signs a user up with the sign-up form; their session and the id of their own team (of
    which they are the owner)."""
    status, headers, _ = request(f"{base}/signup", {"name": name, "email": email, "password": password})
    cookie = headers.get("set-cookie", "")
    if status != 303 or not cookie.startswith("trellis_session="):
        raise SeedError(f"signing up gave {status}")
    user = Client(base, session=cookie.split(";")[0].split("=", 1)[1])
    return user, user.whoami()["teams"][0][0]


def make_token(user: Client, team: str, name: str) -> str:
    """Makes an API token for `team` with the account page's form; the token (shown once)."""
    status, _, body = user.request("/account/tokens", {"name": name, "team": team})
    found = re.search(rb"trl_[A-Za-z0-9_-]+", body)
    if status != 200 or not found:
        raise SeedError(f"making an API token gave {status}: {body[:300]!r}")
    return found.group(0).decode()


def load_answers(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An answers file (TOML, as `trellis evaluate` reads it)."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def area_forms(user: Client, answers_file: str | os.PathLike[str]) -> dict[str, list[tuple[str, str]]]:
    """Per area id, the review form fields that answer it as `answers_file` does (the questions
    the file leaves out stay unanswered)."""
    answers = load_answers(answers_file)["answers"]
    status, _, body = user.request("/api/v1/catalog")
    if status != 200:
        raise SeedError(f"the catalog gave {status}: {body[:300]!r}")
    forms = {}
    for area in json.loads(body)["areas"]:
        fields = []
        for q in area["questions"]:
            value = answers.get(q["id"])
            if value is None:
                continue
            for v in value if isinstance(value, list) else [value]:
                fields.append((f"q.{q['id']}", str(v)))
            fields.append((f"v.{q['id']}", ""))
        forms[area["id"]] = fields
    return forms


def create_assessment_by_form(user: Client, team: str, name: str, description: str = "",
                              environment: str = "production") -> str:
    """Starts a review with the home page's form; its id."""
    status, headers, _ = user.request(
        "/api/create_assessment",
        {"team": team, "name": name, "description": description, "environment": environment},
    )
    if status not in (302, 303):
        raise SeedError(f"creating an assessment gave {status}")
    return headers["location"].split("/")[2]


def fill_areas(user: Client, assessment: str, forms: Mapping[str, Sequence[tuple[str, str]]]) -> None:
    """Saves each area's review form (as `area_forms` makes them), checking that each saved."""
    for area, fields in forms.items():
        status, headers, body = user.request(
            f"/assessments/{assessment}/review/{area}/save", [("save", "stay"), *fields]
        )
        location = headers.get("location", "")
        # A clean save comes back to the area with `?saved` (and `&confirmed=N`); a refused one
        # is the page itself, 422 or 409.
        query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query, keep_blank_values=True)
        if status != 303 or "saved" not in query:
            raise SeedError(f"saving area {area} gave {status} {location or None}: {body[:300]!r}")


# --- seeding through the REST API -------------------------------------------------------------


def create_assessment(client: Client, name: str, environment: str = "production") -> str:
    """Starts a review with `POST /api/v1/assessments`, in the token's team; its id."""
    return str(client.api("POST", "/api/v1/assessments", {"name": name, "environment": environment})["id"])


def put_answers_file(client: Client, assessment: str, answers_file: str | os.PathLike[str]) -> None:
    """Answers a review from an answers file with `PUT …/answers-file`."""
    client.api("PUT", f"/api/v1/assessments/{assessment}/answers-file", load_answers(answers_file))


def create_milestone(client: Client, assessment: str, name: str) -> str:
    """Saves a milestone of a review; its id."""
    return str(client.api("POST", f"/api/v1/assessments/{assessment}/milestones", {"name": name})["id"])


def import_lens(client: Client, lens_file: str | os.PathLike[str]) -> str:
    """Imports a custom lens (JSON) as a questionnaire of the token's team; its id."""
    imported = client.api("POST", "/api/v1/questionnaires", raw=Path(lens_file).read_bytes())
    return str(imported["questionnaire"]["id"])


# --- the command line -------------------------------------------------------------------------


def serve_and_seed(args: argparse.Namespace) -> int:
    """Starts the server, seeds it, prints what was made as one JSON line, and waits."""
    exit_on_signals((signal.SIGTERM, signal.SIGHUP, signal.SIGINT))
    if args.exit_with_parent and _PRCTL is not None:
        # When the shell script that started this is killed outright, this (and so the server) ends too.
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)
    serve_args = args.serve_args[1:] if args.serve_args[:1] == ["--"] else args.serve_args
    with Server(args.binary, args.database_url, serve_args, log=args.log,
                start_timeout=args.start_timeout) as server:
        try:
            user, team = sign_up(server.base, args.name, args.email, args.password)
            token = make_token(user, team, args.token_name)
            client = Client(server.base, token=token)
            seeded: dict[str, Any] = {"base": server.base, "pid": server.pid, "log": str(server.log),
                                      "team": team, "token": token, "session": user.session}
            if args.answers:
                seeded["assessment"] = create_assessment(client, args.assessment_name, args.environment)
                put_answers_file(client, seeded["assessment"], args.answers)
                if args.milestone:
                    seeded["milestone"] = create_milestone(client, seeded["assessment"], args.milestone)
            if args.lens:
                seeded["lens"] = import_lens(client, args.lens)
        except (SeedError, OSError) as e:
            print(f"trellis_server: seeding failed: {e}\nthe end of the server's log ({server.log}):\n"
                  f"{log_tail(server.log)}", file=sys.stderr)
            return 1
        print(json.dumps(seeded), flush=True)
        sys.stdout.close()  # the reader has all it needs: end of file
        code = server.process.wait() if server.process else None
        print(f"trellis_server: the server stopped by itself ({exit_status(code)}); the end of its log "
              f"({server.log}):\n{log_tail(server.log)}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser(
        "serve-and-seed",
        help="start a server, seed it, print one JSON line and keep it running until stopped",
        description="Starts `BINARY serve` on a free loopback port, signs a user up (a team of their own) and "
                    "makes an API token on the account page, then with the token, optionally, a review "
                    "answered from --answers, a milestone of it, and an imported lens. Prints one JSON "
                    "line: base, pid, log, team, token, session, and assessment, milestone, lens when made; "
                    "then keeps the server running until this process gets SIGTERM, SIGINT or SIGHUP "
                    "(exit 1, with the end of the log, if the server stops first). Arguments after -- go "
                    "to `trellis serve`.",
    )
    seed.add_argument("--binary", required=True, help="the trellis binary")
    seed.add_argument("--database-url", help="a sqlx URL (default: a SQLite file in a temporary directory)")
    seed.add_argument("--log", help="the server's output (default: server.log in a temporary directory)")
    seed.add_argument("--start-timeout", type=float, default=START_TIMEOUT_S,
                      help=f"seconds to wait for /healthz (default {START_TIMEOUT_S:g})")
    seed.add_argument("--name", default="Schema Tester", help="the user's name")
    seed.add_argument("--email", default="tester@example.com", help="the user's email")
    seed.add_argument("--password", default="a long enough password", help="the user's password")
    seed.add_argument("--token-name", default="trellis_server", help="the API token's name")
    seed.add_argument("--answers", help="an answers file (TOML): a review answered from it, through the API")
    seed.add_argument("--assessment-name", default="Orders API", help="that review's name")
    seed.add_argument("--environment", default="production", help="that review's environment")
    seed.add_argument("--milestone", help="a milestone of that review, with this name")
    seed.add_argument("--lens", help="a custom lens (JSON) to import")
    seed.add_argument("--exit-with-parent", action="store_true",
                      help="stop (and stop the server) when the process that started this one ends (Linux)")
    seed.add_argument("serve_args", nargs=argparse.REMAINDER, help="-- then arguments for `trellis serve`")
    args = parser.parse_args(argv)
    try:
        return serve_and_seed(args)
    except ServerError as e:
        print(f"trellis_server: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
