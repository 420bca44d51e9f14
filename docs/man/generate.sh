#!/usr/bin/env bash
# Regenerates jira-resilient.1 with swift-argument-parser's manual plugin (a release build of
# the tool's --help, as a man page). CommandLineTests fails when an option is missing from it.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift package --allow-writing-to-package-directory generate-manual --date "$(date -u +%F)"
cp .build/plugins/GenerateManual/outputs/jira-resilient/jira-resilient.1 docs/man/jira-resilient.1
echo "docs/man/jira-resilient.1 regenerated; read it with: man -l docs/man/jira-resilient.1"
