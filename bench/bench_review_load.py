"""Load test of the review app: concurrent reviewers on loopback, then a check that no decision
was lost (issue 6).

Usage::

    python bench/bench_review_load.py [--reviewers 20] [--duration 60] [--people 3000]

Builds a synthetic linked project (the review tests' builder, scaled up), adds one reviewer
account per simulated person, starts ``uncounted serve`` in a subprocess on a free loopback
port, and runs ``--reviewers`` threads for ``--duration`` seconds.  Each reviewer loops like a
person at the JSON API: take the next pair from the queue (leased), open it, decide it (match /
non-match / unsure, with a note now and then), and now and then search a name or read the
estimate.  One decision in ten is made on a pair taken from the top of the queue *without* a
lease, so two reviewers sometimes decide the same pair at once; a 409 is then confirmed with the
new version (an override), as a person on the conflict page would.

Prints requests per second, p50/p95/p99 latency (all requests and decisions only), accepted
decisions, conflicts and overrides.  Afterwards, with the server stopped, it checks every
accepted decision (HTTP 201 with its ``label_id``) is in ``pair_labels`` with the right reviewer
and decision, and has its ``review.decide`` audit entry, and that the audit chain verifies.
Exit status 1 if anything was lost.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.review.conftest import PASSWORD, build_review_project  # noqa: E402

from uncounted.project import Project  # noqa: E402
from uncounted.review.auth import add_user  # noqa: E402
from uncounted.review.settings import ReviewSettings  # noqa: E402

FAST = ReviewSettings(argon2_time_cost=1, argon2_memory_kib=8192)
NAMES = ["Ivanov", "Петров", "Smirnov", "Кузнецов", "Popov", "Соколов"]


@dataclass
class Stats:
    latencies: list[tuple[str, float]] = field(default_factory=list)
    accepted: list[dict[str, object]] = field(default_factory=list)
    conflicts: int = 0
    overrides: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reviewer(base: str, user: str, deadline: float, stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    lat: list[tuple[str, float]] = []
    with httpx.Client(base_url=base, timeout=60) as c:
        r = c.post("/api/session", json={"username": user, "password": PASSWORD})
        if r.status_code != 200:
            with stats.lock:
                stats.errors.append(f"{user}: login {r.status_code} {r.text[:200]}")
            return
        h = {"x-csrf-token": r.json()["csrf_token"]}

        def call(kind: str, method: str, url: str, **kw: object) -> httpx.Response:
            t = time.perf_counter()
            resp = c.request(method, url, **kw)  # type: ignore[arg-type]
            lat.append((kind, time.perf_counter() - t))
            if resp.status_code >= 500:
                with stats.lock:
                    stats.errors.append(f"{user}: {method} {url} -> {resp.status_code}")
            return resp

        while time.perf_counter() < deadline:
            roll = rng.random()
            if roll < 0.05:
                call("people", "GET", "/api/people", params={"q": rng.choice(NAMES)})
                continue
            if roll < 0.08:
                call("estimate", "GET", "/api/estimate")
                continue
            contested = roll < 0.18
            q = call("queue", "GET", "/api/pairs", params={"limit": 3 if contested else 1,
                                                          "lease": "false" if contested else "true"})
            items = q.json().get("items", []) if q.status_code == 200 else []
            if not items:
                time.sleep(0.2)
                continue
            it = rng.choice(items) if contested else items[0]
            a, b = it["uid_l"], it["uid_r"]
            p = call("pair", "GET", f"/api/pairs/{a}/{b}")
            if p.status_code != 200:
                continue
            version = int(p.json()["version"])
            decision = rng.choices(["match", "non_match", "unsure"], [0.6, 0.3, 0.1])[0]
            body = {"uid_l": a, "uid_r": b, "decision": decision, "version": version,
                    "note": f"bench {user}" if rng.random() < 0.3 else None}
            d = call("decide", "POST", "/api/decisions", json=body, headers=h)
            if d.status_code == 409:
                with stats.lock:
                    stats.conflicts += 1
                err = d.json()["error"]
                body = body | {"version": err["current_version"],
                               "overrides_label_id": err["newer"][-1]["label_id"]}
                d = call("decide", "POST", "/api/decisions", json=body, headers=h)
                if d.status_code == 201:
                    with stats.lock:
                        stats.overrides += 1
            if d.status_code == 201:
                with stats.lock:
                    stats.accepted.append({"label_id": d.json()["label_id"], "reviewer": user,
                                           "decision": decision, "a": a, "b": b})
            elif d.status_code != 409:
                with stats.lock:
                    stats.errors.append(f"{user}: decide -> {d.status_code} {d.text[:200]}")
    with stats.lock:
        stats.latencies.extend(lat)


def verify(path: Path, accepted: list[dict[str, object]]) -> tuple[int, int, str]:
    from uncounted.store import audit

    with Project(path) as proj:
        st = proj.store
        labels = st.query_df("SELECT label_id, reviewer, decision FROM pair_labels")
        by_id = {int(r.label_id): (r.reviewer, r.decision) for r in labels.itertuples(index=False)}
        aud = st.query_df("SELECT detail FROM audit_log WHERE action = 'review.decide'")
        audited = {int(json.loads(d)["label_id"]) for d in aud["detail"]}
        lost_label = sum(1 for x in accepted
                         if by_id.get(int(x["label_id"])) != (x["reviewer"], x["decision"]))  # type: ignore[call-overload]
        lost_audit = sum(1 for x in accepted if int(x["label_id"]) not in audited)  # type: ignore[call-overload]
        report = audit.verify(st.con)
    return lost_label, lost_audit, str(report).splitlines()[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reviewers", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--people", type=int, default=3000, help="people in the synthetic project")
    ap.add_argument("--keep", action="store_true", help="keep the project folder")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="uncounted-bench-review-"))
    path = work / "proj"
    t0 = time.perf_counter()
    proj = build_review_project(path, n_people=args.people, n_false=args.people)
    users = [f"r{i:02d}" for i in range(args.reviewers)]
    for u in users:
        add_user(proj.store, u, "reviewer", PASSWORD, settings=FAST)
    n_records = proj.store.scalar("SELECT count(*) FROM records")
    n_pairs = proj.store.scalar("SELECT count(*) FROM link_pairs")
    proj.close()
    print(f"project: {n_records} records, {n_pairs} scored pairs, built in {time.perf_counter() - t0:.1f} s")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    server = subprocess.Popen(
        [sys.executable, "-m", "uncounted", "serve", "-p", str(path), "--port", str(port),
         "--setting", "argon2_time_cost=1", "--setting", "argon2_memory_kib=8192"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("server did not start: " + (server.stderr.read().decode()[-2000:]
                                                            if server.stderr else ""))
            time.sleep(0.2)
        stats = Stats()
        load0 = " ".join(f"{x:.1f}" for x in os.getloadavg())
        start = time.perf_counter()
        end = start + args.duration
        threads = [threading.Thread(target=reviewer, args=(base, u, end, stats, i))
                   for i, u in enumerate(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    lat = np.array([x for _, x in stats.latencies]) * 1000
    lost_label, lost_audit, chain = verify(path, stats.accepted)
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}")
    print(f"command: python bench/bench_review_load.py --reviewers {args.reviewers} "
          f"--duration {args.duration:g} --people {args.people}")
    print(f"load average before the run (other work on the machine): {load0}")
    print(f"reviewers: {args.reviewers}, wall {wall:.1f} s")
    print(f"requests: {len(lat)}  ({len(lat) / wall:.1f} requests/s)")
    if len(lat):
        print(f"latency all (ms): p50 {np.percentile(lat, 50):.0f}  p95 {np.percentile(lat, 95):.0f}  "
              f"p99 {np.percentile(lat, 99):.0f}  max {lat.max():.0f}")
    for kind in ("queue", "pair", "decide", "people", "estimate"):
        xs = np.array([x for k, x in stats.latencies if k == kind]) * 1000
        if len(xs):
            print(f"  {kind:<8} n={len(xs):5d}  p50 {np.percentile(xs, 50):5.0f}  p95 {np.percentile(xs, 95):5.0f}  "
                  f"p99 {np.percentile(xs, 99):5.0f} ms")
    print(f"decisions accepted: {len(stats.accepted)}  ({len(stats.accepted) / wall:.1f}/s); "
          f"conflicts (409): {stats.conflicts}; confirmed overrides: {stats.overrides}")
    print(f"server errors / unexpected statuses: {len(stats.errors)}")
    for e in stats.errors[:10]:
        print("   ", e)
    print(f"lost decisions: {lost_label} missing from pair_labels, {lost_audit} missing from the audit log")
    print(chain)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"project kept at {path}")
    ok = lost_label == 0 and lost_audit == 0 and not stats.errors and "OK" in chain
    print("RESULT:", "no decision lost" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
