"""Checks jira-resilient 0.8.0 against the simulator; prints one line per check and exits 1 on a
mismatch. Each expectation is computed from the simulator's own truth (/_sim/truth)."""
import json
import os
import sys
import urllib.request
from datetime import datetime, timezone

from jira_resilient import JiraClient

TOKEN = "peer-token"
failures = 0


def check(name, ok, detail=""):
    global failures
    print(f"{'PASS' if ok else 'FAIL'}  {name}{'  — ' + detail if detail else ''}")
    failures += 0 if ok else 1


def truth(url, project):
    req = urllib.request.Request(f"{url}/_sim/truth?project={project}", headers={"Authorization": f"Bearer {TOKEN}"})
    return json.load(urllib.request.urlopen(req))


small = os.environ["URL_SMALL"]
client = JiraClient(small, TOKEN, timeout=60, fast_fail_timeout=1, max_attempts=2)
check("is_authenticated", client.is_authenticated)
check("server_tz parsed from serverTime", str(client.server_tz) in ("UTC-06:00",), str(client.server_tz))

# 1. A full search_seek on a project without moved issues returns every issue.
expected = {t["key"] for t in truth(small, "OTHER")}
got = [i["key"] for page in client.search_seek("OTHER") for i in page.issues]
check("search_seek full scan of OTHER returns every issue", set(got) == expected and len(got) == len(expected),
      f"{len(set(got))}/{len(expected)} issues, {len(got) - len(set(got))} duplicates")

# 2. A hub falls to the hub tier, with all its links.
hub = max(truth(small, "PRJ"), key=lambda t: t["links"])
result = client.get_issue_resilient(hub["key"])
links = len(result.issue["fields"].get("issuelinks", []))
check("hub issue falls to the hub tier with every link", result.tier == "hub" and links == hub["links"],
      f"tier={result.tier}, links {links}/{hub['links']}")
plain = min(truth(small, "PRJ"), key=lambda t: t["links"])
check("ordinary issue stays in the full tier", client.get_issue_resilient(plain["key"]).tier == "full")

# 3. get_changelog through the 404 fallback on a Server without the paginated endpoint.
server = os.environ["URL_SERVER"]
sclient = JiraClient(server, TOKEN, timeout=60, max_attempts=2)
busy = max(truth(server, "PRJ"), key=lambda t: t["histories"])
history = sclient.get_changelog(busy["key"])
check("get_changelog falls back to expand=changelog on a 404 endpoint",
      len(history) == busy["histories"] and sclient._changelog_paginated is False,
      f"{len(history)}/{busy['histories']} histories, paginated={sclient._changelog_paginated}")
dc_history = client.get_changelog(busy["key"])
check("get_changelog pages /changelog on Data Center", len(dc_history) == busy["histories"] and client._changelog_paginated)

# 4. A delta scan after a reindex: the probe sees the reindexed rows, falls back to an id scan,
#    and every issue updated since the cursor is returned.
reindex = os.environ["URL_REINDEX"]
rclient = JiraClient(reindex, TOKEN, timeout=60, max_attempts=2)
since = datetime(2026, 4, 1, tzinfo=timezone.utc)
rt = truth(reindex, "RIDX")
want = {t["key"] for t in rt if t["updated"] >= "2026-04-01"}
pages = list(rclient.search_seek("RIDX", after_ts=since))
got = {i["key"] for p in pages for i in p.issues}
check("delta scan after a reindex detects it and loses nothing",
      want <= got and any(p.fallback for p in pages),
      f"{len(want & got)}/{len(want)} wanted, fallback pages: {sum(p.fallback for p in pages)}")

# 5. On a project with moved-in issues, the id-ordered scan loses exactly the issues the key-clause
#    semantics predict: `id > N` means "key number above N's, in N's project".
moved = os.environ["URL_MOVED"]
mclient = JiraClient(moved, TOKEN, timeout=60, max_attempts=2)
mt = truth(moved, "MOVE")
number = {int(t["id"]): int(t["key"].split("-")[1]) for t in mt}
predicted, cursor = [], None
while True:
    page = sorted((i for i in number if cursor is None or number[i] > number[cursor]))[:20]
    if not page:
        break
    predicted += page
    cursor = page[-1]
got = [int(i["id"]) for p in mclient.search_seek("MOVE") for i in p.issues]
lost = len(mt) - len(set(got))
check("id-ordered full scan on moved-in issues loses exactly the predicted issues",
      got == predicted and lost > 0, f"lost {lost} of {len(mt)}, read {len(got) - len(set(got))} twice; prediction {'matches' if got == predicted else 'differs'}")

print(f"{failures} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
