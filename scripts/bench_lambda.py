"""The Lambda bench behind scripts/bench-lambda: a stub Runtime API, moto, and the functions.

The stub speaks the Lambda Runtime API (GET .../invocation/next, POST .../{id}/response,
.../{id}/error, .../init/error) on loopback; each function binary is started with the
environment Lambda gives it. Events are the fixtures under events/, with real bearer tokens
obtained by invoking the signup and login functions first.
"""

import argparse
import base64
import copy
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
NAMES = {"USERS_TABLE": "bench-users", "SESSIONS_TABLE": "bench-sessions",
         "INVITES_TABLE": "bench-invites", "FILES_TABLE": "bench-file-index",
         "SHARES_TABLE": "bench-shares", "ACTIVITY_TABLE": "bench-activity",
         "ATTEMPTS_TABLE": "bench-attempts", "TOKENS_TABLE": "bench-tokens",
         "FILES_BUCKET": "bench-files"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Runtime:
    """The stub Runtime API: one event at a time, answers collected with their times."""

    def __init__(self):
        self.events = queue.Queue()
        self.answers = queue.Queue()
        self.first_poll = None
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if runtime.first_poll is None:
                    runtime.first_poll = time.perf_counter()
                request_id, body = runtime.events.get()
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms",
                                 str(int(time.time() * 1000) + 30_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:123456789012:function:bench")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                runtime.answers.put((time.perf_counter(), self.path, body))

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.server.server_address[1]

    def invoke(self, event):
        """Queues one event; returns (seconds until the answer, HTTP status of the answer)."""
        start = time.perf_counter()
        self.events.put((str(uuid.uuid4()), event))
        at, path, body = self.answers.get(timeout=60)
        if not path.endswith("/response"):
            raise RuntimeError("the function failed: %s %s" % (path, body[:300]))
        return at - start, json.loads(body)


def peak_rss_kib(pid):
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


class Function:
    """One running function process."""

    def __init__(self, name, env):
        self.runtime = Runtime()
        env = dict(env, AWS_LAMBDA_RUNTIME_API=self.runtime.address)
        self.started = time.perf_counter()
        # BENCH_LOG=FILE keeps what the functions log (JSON lines; RUST_LOG=info for more).
        log = open(os.environ["BENCH_LOG"], "ab") if os.environ.get("BENCH_LOG") else subprocess.DEVNULL
        self.process = subprocess.Popen([str(ROOT / "target/release" / name)], env=env,
                                        stdout=log, stderr=log)

    def init_seconds(self):
        deadline = time.time() + 30
        while self.runtime.first_poll is None:
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError("the function did not start")
            time.sleep(0.0005)
        return self.runtime.first_poll - self.started

    def stop(self):
        rss = peak_rss_kib(self.process.pid)
        self.process.kill()
        self.process.wait()
        self.runtime.server.shutdown()
        return rss


def rewrite(event, method, route, raw_path, body=None):
    e = copy.deepcopy(event)
    e["routeKey"] = e["requestContext"]["routeKey"] = "%s %s" % (method, route)
    e["rawPath"] = e["requestContext"]["http"]["path"] = raw_path
    if body is not None:
        e["body"] = base64.b64encode(body.encode()).decode()
        e["isBase64Encoded"] = True
        e["headers"]["content-type"] = "application/x-www-form-urlencoded"
        e["headers"]["content-length"] = str(len(body))
    return e


def tokens(env):
    """OPS and CLIENT bearer tokens, made by the signup and login functions themselves."""
    signup, login = (json.loads((ROOT / "events" / f).read_text())
                     for f in ("signup.json", "login.json"))
    out = {}
    for kind, user in (("ops", "opsuser"), ("client", "benchclient")):
        form = "username=%s&password=%s-password-1" % (user, kind)
        for name, event in (("signup", signup), ("login", login)):
            f = Function(name, env)
            f.init_seconds()
            _, answer = f.runtime.invoke(
                rewrite(event, "POST", "/%s/%s" % (kind, name), "/%s/%s" % (kind, name), form))
            f.stop()
        body = answer["body"]
        if answer.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        if answer.get("statusCode") != 200:
            raise RuntimeError("%s login failed: %s" % (kind, body))
        # The login fixture asks for JSON; the original server's answer is the bare token.
        json_answer = answer["headers"].get("content-type", "").startswith("application/json")
        out[kind] = json.loads(body)["token"] if json_answer else body.strip()
    return out


def with_token(event, toks):
    auth = (event.get("headers") or {}).get("authorization", "")
    if auth:
        event["headers"]["authorization"] = "Bearer " + toks["client" if "CLIENT" in auth else "ops"]
    return event


def events(name, toks):
    """The event of invocation i: the fixture, except signup, which creates a fresh CLIENT
    each time (the fixture's placeholder invite is refused before any hashing)."""
    event = with_token(json.loads((ROOT / "events" / (name + ".json")).read_text()), toks)
    if name != "signup":
        return lambda i: event
    form = "username=bench%d&password=bench-password-1"
    return lambda i: rewrite(json.loads(json.dumps(event)), "POST", "/client/signup",
                             "/client/signup", form % i)


def bench(name, env, toks, spawns, warm):
    event_of = events(name, toks)
    inits, firsts = [], []
    for i in range(spawns):
        f = Function(name, env)
        inits.append(f.init_seconds())
        first, answer = f.runtime.invoke(event_of(i))
        firsts.append(first)
        f.stop()
    f = Function(name, env)
    f.init_seconds()
    latencies, statuses = [], {}
    for i in range(warm + 1):
        took, answer = f.runtime.invoke(event_of(spawns + i))
        latencies.append(took)
        statuses[answer.get("statusCode")] = statuses.get(answer.get("statusCode"), 0) + 1
    rss = f.stop()
    warm_l = sorted(latencies[1:])
    return {
        "size": (ROOT / "target/release" / name).stat().st_size,
        "init_ms": statistics.median(inits) * 1000,
        "first_ms": statistics.median(firsts) * 1000,
        "p50_ms": warm_l[len(warm_l) // 2] * 1000,
        "p99_ms": warm_l[min(len(warm_l) - 1, int(len(warm_l) * 0.99))] * 1000,
        "rss_mib": rss / 1024,
        "statuses": statuses,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spawns", type=int, default=5)
    parser.add_argument("--warm", type=int, default=100)
    parser.add_argument("functions", nargs="*")
    args = parser.parse_args()
    names = args.functions or sorted(p.name for p in (ROOT / "functions").iterdir())
    wanted = set(names) | {"signup", "login"}
    subprocess.run(["cargo", "build", "--release", "--quiet"]
                   + [a for n in sorted(wanted) for a in ("--bin", n)], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--quiet", "-p", "ezshare", "--features", "aws"],
                   cwd=ROOT, check=True)

    port = free_port()
    moto = subprocess.Popen([str(ROOT / "shared/emulator/moto-server"), "-H", "127.0.0.1",
                             "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    moto_url = "http://127.0.0.1:%d" % port
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        base = {"AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test", "AWS_ENDPOINT_URL": moto_url}
        subprocess.run([str(ROOT / "target/debug/ezshare"), "bootstrap"], cwd=ROOT, check=True,
                       env=dict(os.environ, **base, **NAMES), stdout=subprocess.DEVNULL)
        secrets = boto3.client("secretsmanager", region_name=REGION, endpoint_url=moto_url,
                               aws_access_key_id="test", aws_secret_access_key="test")
        arn = secrets.create_secret(Name="bench-jwt",
                                    SecretString=os.urandom(32).hex())["ARN"]
        # A Lambda environment has no SSL_CERT_* (which make the functions read every file of
        # a certificate directory); the functions find the platform's root bundle themselves.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "JWT_", "SSL_CERT_"))}
        env.update(NAMES)
        env.update(base)
        env.update({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
                    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                    "AWS_LAMBDA_FUNCTION_NAME": "bench",
                    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
                    "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
                    "JWT_SECRET_ARN": arn, "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
                    # The bench times signups, not invitations: OPS signup is open here.
                    "OPS_SIGNUP": "open",
                    # Every event comes from one address: the per-address limits would
                    # refuse the bench's signups after 20.
                    "SIGNUP_MAX_PER_IP": "1000000", "LOGIN_MAX_FAILURES_PER_IP": "1000000"})
        toks = tokens(env)
        print("%-16s %10s %9s %10s %9s %9s %9s  %s" % (
            "FUNCTION", "BYTES", "INIT ms", "FIRST ms", "P50 ms", "P99 ms", "RSS MiB", "STATUS"))
        for name in names:
            r = bench(name, env, toks, args.spawns, args.warm)
            print("%-16s %10d %9.1f %10.1f %9.2f %9.2f %9.1f  %s" % (
                name, r["size"], r["init_ms"], r["first_ms"], r["p50_ms"], r["p99_ms"],
                r["rss_mib"], r["statuses"]))
            sys.stdout.flush()
    finally:
        moto.kill()


if __name__ == "__main__":
    main()
