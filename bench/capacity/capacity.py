"""Runs the capacity benchmark (see run.sh) and prints one Markdown table per node size."""
import json, os, shutil, subprocess, sys, tempfile, time, urllib.request

binary = sys.argv[1]
scale = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
scenario = sys.argv[3] if len(sys.argv) > 3 else "bench-nohubs"
project = sys.argv[4] if len(sys.argv) > 4 else "BENCH"
cores_list = [int(c) for c in sys.argv[5:]] or [2, 4, 8]
settings = ["1", "2", "4", "8", "16", "auto"]
token = "capacity-bench-token"
work = tempfile.mkdtemp(prefix="capacity-bench-")


def start_sim(cores):
    log = open(os.path.join(work, "sim.log"), "w+")
    proc = subprocess.Popen([binary, "sim", "--scenario", scenario, "--token", token, "--time-scale", str(scale),
                             "--server-cores", str(cores)], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        log.seek(0)
        for line in log.read().splitlines():
            if line.startswith("JIRA_URL="):
                return proc, line.split("=", 1)[1]
        time.sleep(0.1)
    raise SystemExit("the simulator did not start")


def stats(url):
    request = urllib.request.Request(f"{url}/_sim/stats?project={project}", headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(request))


budgets = ["--timeout", str(120 * scale), "--fast-fail-timeout", str(60 * scale), "--links-timeout", str(600 * scale),
           "--backoff-scale", str(scale)]

try:
    for cores in cores_list:
        rows = []
        for setting in settings:
            proc, url = start_sim(cores)
            out = os.path.join(work, f"out-{cores}-{setting}")
            env = dict(os.environ, JIRA_URL=url, JIRA_PAT=token)
            started = time.monotonic()
            result = subprocess.run([binary, "scan", project, "--out", out, "--concurrency", setting,
                                     "--progress-interval", "600"] + budgets, env=env, capture_output=True, text=True)
            wall = time.monotonic() - started
            s = stats(url)
            proc.terminate()
            proc.wait()
            limits = []
            with open(os.path.join(out, "events.jsonl")) as events:
                for line in events:
                    if '"type":"load"' in line:
                        limits.append(json.loads(line)["limit"])
            written = sum(1 for _ in open(os.path.join(out, "manifest.jsonl")))
            rows.append(dict(setting=setting, wall=wall, exit=result.returncode, written=written,
                             stretch=s.get("stretchP50", 0), work=s["workPerIssue"], floor=s["floorPerIssue"],
                             abandoned=s["abandonedWorkSeconds"],
                             limit=(sorted(limits)[len(limits) // 2] if limits else None)))
            if setting == "auto":
                # A second full pass into the same directory: it knows the hubs from the manifest,
                # so it should make no full attempt at them (the "≤ 1.15× floor" row).
                proc, url = start_sim(cores)  # a fresh node: its stats count this pass alone
                env = dict(os.environ, JIRA_URL=url, JIRA_PAT=token)
                started = time.monotonic()
                again = subprocess.run([binary, "scan", project, "--out", out, "--full", "--concurrency", setting,
                                        "--progress-interval", "600"] + budgets, env=env, capture_output=True, text=True)
                s2 = stats(url)
                proc.terminate()
                proc.wait()
                rows[-1].update(wall2=time.monotonic() - started, exit2=again.returncode, work2=s2["workPerIssue"],
                                abandoned2=s2["abandonedWorkSeconds"], stretch2=s2.get("stretchP50", 0))
            shutil.rmtree(out, ignore_errors=True)
        best = min((r for r in rows if r["setting"] != "auto"), key=lambda r: r["wall"])
        auto = next(r for r in rows if r["setting"] == "auto")
        print(f"\n#### {cores} cores ({scenario}, time scale {scale})\n")
        print("| concurrency | wall s | issues/s | server p50 stretch | server work / issue | ÷ floor | abandoned work s | median limit | exit |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['setting']} | {r['wall']:.1f} | {r['written'] / r['wall']:.0f} | {r['stretch']:.2f} | "
                  f"{r['work'] * 1000:.1f} ms | {r['work'] / r['floor']:.2f} | {r['abandoned']:.1f} | "
                  f"{r['limit'] if r['limit'] is not None else '—'} | {r['exit']} |")
        print(f"\nauto's throughput / best fixed ({best['setting']}): **{best['wall'] / auto['wall']:.2f}** (target ≥ 0.9); "
              f"auto's p50 stretch **{auto['stretch']:.2f}** (target ≤ 1.5); "
              f"work ÷ floor **{auto['work'] / auto['floor']:.2f}** (first full scan, target ≤ 1.5)")
        print(f"\nauto, a second full pass into the same directory (it knows its hubs): wall {auto['wall2']:.1f} s, "
              f"p50 stretch {auto['stretch2']:.2f}, work ÷ floor **{auto['work2'] / auto['floor']:.2f}** (target ≤ 1.15), "
              f"abandoned work {auto['abandoned2']:.1f} s, exit {auto['exit2']}")
        sys.stdout.flush()
finally:
    shutil.rmtree(work, ignore_errors=True)
