#!/usr/bin/env python3
"""Throughput and memory of `dicomscrub gateway` on loopback (DCMTK storescu/storescp as the
modality and the destination), in a private network namespace so nothing listens outside it.

  python3 bench/gateway_bench.py [--ct 500] [--queued 10000] [--rounds 2]

Images/s: storescu -> storescp directly (TCP_NODELAY=1 on both), then storescu -> gateway ->
storescp with 1 worker/1 association and 2 workers/2 associations (time until storescp holds
every image). Memory: the gateway's peak RSS (VmHWM) after N small instances were queued for a
destination that is down, for N = queued/10 and N = queued (bounded: it must not grow with N).
Build first (tools/build.sh). Inputs: bench/gen_corpus.py (CT ~525 KB each; tiny ~1.5 KB each).
Results as markdown on stdout and JSON in bench/out/gateway.json.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, "build", "cli", "dicomscrub")
ENV = dict(os.environ, TCP_NODELAY="1")


def count(folder):
    return sum(1 for f in os.listdir(folder) if not f.startswith("."))


def wait_count(folder, n, timeout=300):
    deadline = time.time() + timeout
    while count(folder) < n:
        if time.time() > deadline:
            raise SystemExit(f"timed out: {count(folder)} of {n} arrived")
        time.sleep(0.02)


def storescp(folder, port=11113):
    os.makedirs(folder, exist_ok=True)
    return subprocess.Popen(["/usr/bin/storescp", "-aet", "SINK", "-od", folder, "+B", str(port)], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def storescu(files, port, aec):
    # storescu takes folders with +sd; a file list of 10,000 would exceed argv limits.
    args = ["/usr/bin/storescu", "-aet", "MOD", "-aec", aec, "127.0.0.1", str(port)]
    return subprocess.run(args + files, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def gateway(work, key, workers, associations, port=11112):
    spool = os.path.join(work, f"spool-{time.time_ns()}")
    cfg = dict(listen=f"127.0.0.1:{port}", ae_title="GW", allow_calling=["MOD"], key_file=key, spool=spool,
               workers=workers, retry_initial_seconds=0.5, retry_max_seconds=2, study_quiet_seconds=5,
               destinations=[dict(name="sink", address="SINK@127.0.0.1:11113", associations=associations)])
    path = os.path.join(work, "gw.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    p = subprocess.Popen([EXE, "gateway", "--config", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if subprocess.run(["/usr/bin/echoscu", "-aet", "MOD", "-aec", "GW", "127.0.0.1", str(port)],
                          capture_output=True).returncode == 0:
            return p, spool
        time.sleep(0.05)
    raise SystemExit("the gateway did not start")


def stop(p):
    p.terminate()
    p.wait(timeout=120)


def peak_rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def fsync_cost_ms(folder, size=525000, n=40):
    """What the durability promise costs on this disk: a new file of one CT image written and
    fsync'd, then its folder fsync'd (the gateway does both before each C-STORE success)."""
    data = os.urandom(size)
    t_file = t_dir = 0.0
    for i in range(n):
        t0 = time.perf_counter()
        with open(os.path.join(folder, f"fsync-probe-{i}"), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        t1 = time.perf_counter()
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        t_file += t1 - t0
        t_dir += time.perf_counter() - t1
    return round(t_file / n * 1000, 2), round(t_dir / n * 1000, 2)


def inside(args):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = tempfile.mkdtemp(prefix="gateway-bench-")
    try:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), work, "--ct", str(args.ct),
                        "--tiny", str(args.queued)], check=True, capture_output=True)
        key = os.path.join(work, "site.key")
        subprocess.run([EXE, "keygen", key], check=True, capture_output=True)
        ct = sorted(os.path.join(work, "ct", f) for f in os.listdir(os.path.join(work, "ct")))
        results = {"images": len(ct), "rounds": args.rounds, "direct": [], "gateway_1": [], "gateway_2": []}
        results["fsync_file_ms"], results["fsync_folder_ms"] = fsync_cost_ms(work)
        for _ in range(args.rounds):
            recv = os.path.join(work, f"recv-{time.time_ns()}")
            scp = storescp(recv)
            time.sleep(0.3)
            t0 = time.perf_counter()
            r = storescu(ct, 11113, "SINK")
            wait_count(recv, len(ct))
            results["direct"].append(len(ct) / (time.perf_counter() - t0))
            assert r.returncode == 0, r.stderr
            stop(scp)
            for label, n in (("gateway_1", 1), ("gateway_2", 2)):
                recv2 = os.path.join(work, f"recv-{time.time_ns()}")
                scp2 = storescp(recv2)
                gw, _ = gateway(work, key, n, n)
                t0 = time.perf_counter()
                r = storescu(ct, 11112, "GW")
                wait_count(recv2, len(ct))
                results[label].append(len(ct) / (time.perf_counter() - t0))
                assert r.returncode == 0, r.stderr
                stop(gw)
                stop(scp2)
        # Memory with a long queue for a destination that is down (nothing listens on 11113).
        tiny = sorted(os.path.join(work, "tiny", f) for f in os.listdir(os.path.join(work, "tiny")))
        for n in (len(tiny) // 10, len(tiny)):
            gw, spool = gateway(work, key, 2, 1)
            for i in range(0, n, 1000):
                storescu(tiny[i:min(n, i + 1000)], 11112, "GW")
            deadline = time.time() + 1200
            while time.time() < deadline:
                try:
                    st = json.load(open(os.path.join(spool, "status.json")))
                    if st["destinations"]["sink"]["queued"] >= n:
                        break
                except (OSError, ValueError, KeyError):
                    pass
                time.sleep(0.5)
            time.sleep(3)  # several delivery rounds against the down destination
            results[f"peak_rss_kib_{n}_queued"] = peak_rss_kib(gw.pid)
            stop(gw)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ct", type=int, default=500)
    ap.add_argument("--queued", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inside:
        print(json.dumps(inside(args)))
        return
    flags = ["-n"] if os.geteuid() == 0 else ["-r", "-n"]
    out = subprocess.run(["unshare", *flags, sys.executable, __file__, "--inside", "--ct", str(args.ct),
                          "--queued", str(args.queued), "--rounds", str(args.rounds)],
                         check=True, capture_output=True, text=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    best = {k: max(res[k]) for k in ("direct", "gateway_1", "gateway_2")}
    print(f"| path ({res['images']} CT images, ~525 KB, best of {res['rounds']}) | images/s | vs direct |")
    print("|---|---|---|")
    for k, label in (("direct", "storescu -> storescp (TCP_NODELAY=1)"), ("gateway_1", "via gateway, 1 worker, 1 association"),
                     ("gateway_2", "via gateway, 2 workers, 2 associations")):
        print(f"| {label} | {best[k]:.1f} | {best[k] / best['direct']:.2f}x |")
    print(f"\nfsync on this disk: {res['fsync_file_ms']} ms per new 525 KB file + {res['fsync_folder_ms']} ms per folder "
          f"(the receive path pays both before each C-STORE success: at most "
          f"{1000 / (res['fsync_file_ms'] + res['fsync_folder_ms']):.0f} images/s per association)")
    for k, v in res.items():
        if k.startswith("peak_rss"):
            print(f"\n{k}: {v / 1024:.1f} MiB")
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "gateway.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
