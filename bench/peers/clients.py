"""Each peer's natural way of extracting a project, writing one JSON file per issue it got.
Run as: python clients.py CLIENT URL TOKEN PROJECT OUT SCALE [SINCE_ISO]"""
import json
import os
import sys
from datetime import datetime, timezone

client, url, token, project, out, scale = sys.argv[1:7]
since = sys.argv[7] if len(sys.argv) > 7 else None
scale = float(scale)
os.makedirs(out, exist_ok=True)


def save(issue):
    with open(os.path.join(out, issue["key"] + ".json"), "w") as f:
        json.dump(issue, f)


if client == "jira-resilient":
    from jira_resilient import JiraClient

    c = JiraClient(url, token, timeout=120 * scale, fast_fail_timeout=60 * scale, max_attempts=5)
    after = datetime.fromisoformat(since.replace("Z", "+00:00")) if since else None
    for page in c.search_seek(project, after_ts=after):
        for issue in page.issues:
            cl = issue.get("changelog") or {}
            if cl.get("total", 0) > len(cl.get("histories", [])):
                cl["histories"] = c.get_changelog(issue["key"])
            save(issue)

elif client == "jira":
    from jira import JIRA

    j = JIRA(server=url, token_auth=token, timeout=120 * scale, max_retries=3)
    jql = f'project = "{project}"'
    if since:  # written as a user would: the instant in UTC
        jql += f' AND updated >= "{datetime.fromisoformat(since.replace("Z", "+00:00")).astimezone(timezone.utc):%Y-%m-%d %H:%M}"'
    for issue in j.search_issues(jql + " ORDER BY key ASC", maxResults=False, expand="changelog", fields="*all", json_result=False):
        save(issue.raw)

elif client == "atlassian-python-api":
    from atlassian import Jira

    j = Jira(url=url, token=token, timeout=120 * scale)
    jql = f'project = "{project}"'
    if since:
        jql += f' AND updated >= "{datetime.fromisoformat(since.replace("Z", "+00:00")).astimezone(timezone.utc):%Y-%m-%d %H:%M}"'
    start = 0
    while True:
        page = j.jql(jql + " ORDER BY key ASC", start=start, limit=100, expand="changelog", fields="*all")
        issues = page.get("issues") or []
        for issue in issues:
            save(issue)
        start += len(issues)
        if not issues or start >= page.get("total", 0):
            break
else:
    sys.exit(f"unknown client {client}")
