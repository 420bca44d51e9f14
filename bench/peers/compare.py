"""Runs every client against the simulator, scenario by scenario, and compares what each got
with the simulator's own truth. Prints one table per scenario."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN, VENV_PY, SCALE = sys.argv[1], sys.argv[2], float(sys.argv[3])
SCENARIOS = sys.argv[4].split(",")
TOKEN = "peers-token"
HERE = os.path.dirname(os.path.abspath(__file__))
# scenario -> (project, delta since or None)
PLAN = {
    "bench": ("BENCH", None), "moved": ("MOVE", None), "deleted-live": ("DEL", None),
    "reindex-delta": ("RIDX", "2026-04-29T12:00:00Z"), "timezone": ("TZ", "2026-05-16T04:00:00Z"),
    "storm429": ("RATE", None), "deep": ("DEEP", None),
}
CLIENTS = ["jira-resilient (Swift)", "jira-resilient 0.8.0", "jira 3.10.5", "atlassian-python-api 4.0.7"]


def get(url, path):
    req = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {TOKEN}"})
    return json.load(urllib.request.urlopen(req, timeout=600))


def start_sim(scenario):
    log = tempfile.NamedTemporaryFile("w+", delete=False, suffix=".log")
    p = subprocess.Popen([BIN, "sim", "--scenario", scenario, "--token", TOKEN, "--time-scale", str(SCALE)], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(1200):
        text = open(log.name).read()
        m = re.search(r"^JIRA_URL=(\S+)", text, re.M)
        if m:
            return p, m.group(1)
        time.sleep(0.1)
    raise SystemExit(f"simulator {scenario} did not start")


def timed(cmd, env=None):
    """Runs under /usr/bin/time -v; returns (wall, cpu, rss MB, exit code, stderr tail)."""
    t0 = time.time()
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env, timeout=1800)
    wall = time.time() - t0
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", r.stderr))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1024
    tail = [l for l in r.stderr.splitlines() if l.strip() and not l.startswith("\t")][-1:] or [""]
    return wall, cpu, rss, r.returncode, tail[0][:90]


def score(outdir, truth, project, since):
    files = {}
    for name in os.listdir(outdir) if os.path.isdir(outdir) else []:
        if name.endswith(".json"):
            try:
                files[name[:-5]] = json.load(open(os.path.join(outdir, name)))
            except ValueError:
                pass
    want = {t["key"]: t for t in truth if t["project"] == project and (since is None or t["updated"] >= since.replace("T", "T")[:19])}
    found = [k for k in want if k in files]
    outside = [k for k in files if not k.startswith(project + "-")]

    def ok(k, pred):
        try:
            return pred(files[k]["fields"], files[k].get("changelog") or {}, want[k])
        except (KeyError, TypeError):
            return False
    links = sum(ok(k, lambda f, c, t: len(f.get("issuelinks", [])) == t["links"] and "issuelinks" in f) for k in found)
    changelog = sum(ok(k, lambda f, c, t: len(c.get("histories", [])) == t["histories"]) for k in found)
    cw = sum(ok(k, lambda f, c, t: len(f["comment"]["comments"]) == t["comments"] and len(f["worklog"]["worklogs"]) == t["worklogs"]) for k in found)
    return len(want), len(found), len(outside), links, changelog, cw


def main():
    print(f"peer comparison — {time.strftime('%Y-%m-%d', time.gmtime())}, simulator time scale {SCALE}, budgets scaled alike, {os.cpu_count()} cores")
    for scenario in SCENARIOS:
        project, since = PLAN[scenario]
        rows = []
        for client in CLIENTS:
            sim, url = start_sim(scenario)
            try:
                before = get(url, "/_sim/requests")["count"]
                out = tempfile.mkdtemp(prefix="peer-")
                env = dict(os.environ, JIRA_URL=url, JIRA_PAT=TOKEN)
                if client.startswith("jira-resilient (Swift)"):
                    cmd = [BIN, "scan", project, "--out", out, "--timeout", str(120 * SCALE), "--fast-fail-timeout", str(60 * SCALE),
                           "--links-timeout", str(600 * SCALE), "--backoff-scale", str(SCALE), "--progress-interval", "600"]
                    if since:
                        cmd += ["--since", since]
                    issues_dir = os.path.join(out, "issues")
                else:
                    name = client.split(" ")[0]
                    cmd = [VENV_PY, os.path.join(HERE, "clients.py"), name, url, TOKEN, project, out, str(SCALE)] + ([since] if since else [])
                    issues_dir = out
                wall, cpu, rss, code, tail = timed(cmd, env)
                truth = get(url, "/_sim/truth")
                requests = get(url, "/_sim/requests")["count"] - before
                want, found, outside, links, changelog, cw = score(issues_dir, truth, project, since)
                rows.append((client, wall, cpu, rss, found, want, outside, links, changelog, cw, requests, code, tail))
            finally:
                sim.terminate()
                sim.wait()
        print(f"\n### {scenario} ({project}{', delta since ' + since if since else ', full'})\n")
        print("| client | wall s | CPU s | peak RSS MB | found / expected | outside project | all links | whole changelog | all comments+worklogs | requests | exit |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r[0]} | {r[1]:.1f} | {r[2]:.1f} | {r[3]:.0f} | {r[4]}/{r[5]} | {r[6]} | {r[7]} | {r[8]} | {r[9]} | {r[10]} | {r[11]}{' — ' + r[12] if r[11] else ''} |")
        ours = rows[0]
        for r in rows[1:]:
            ratio = lambda a, b: f"{a / b:.2f}" if b else "—"
            print(f"\nthis project / {r[0]}: wall {ratio(ours[1], r[1])}, CPU {ratio(ours[2], r[2])}, RSS {ratio(ours[3], r[3])}, issues found {ours[4]} vs {r[4]}", end="")
        print()


main()
