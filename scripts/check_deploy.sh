#!/bin/sh
# SPDX-License-Identifier: MIT
# Check the deploy/ examples: the alert rules with promtool (check rules, and test rules on
# the synthetic series of prometheus-alerts.test.yml), the two JSON files (valid JSON
# and the fields that matter), the dashboard's PromQL (parsed by promtool with Grafana's
# variables substituted), the Pod YAML (when PyYAML is present) and the Dockerfile's
# entrypoint. Exits non-zero on any failure. Needs promtool (Debian `prometheus`), python3.
# Usage: scripts/check_deploy.sh [DEPLOY_DIR]   (default: deploy/ next to this script)
set -u
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)/deploy}
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1" >&2; fail=1; }

for tool in promtool python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "check_deploy: $tool not found" >&2; exit 2; }
done
tmp=$(mktemp -d /tmp/warden-check-deploy.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT

if promtool check rules "$dir/prometheus-alerts.yml" >"$tmp/out" 2>&1; then
    ok "prometheus-alerts.yml (promtool check rules)"
else
    cat "$tmp/out" >&2; bad "prometheus-alerts.yml"
fi
for alert in WardenServiceFailed WardenServiceCrashLooping WardenOOMKill WardenRuntimeOOM \
             WardenServiceDaemonized WardenMemoryNearLimit WardenLeakETA WardenProcessStorm; do
    grep -q "alert: $alert\$" "$dir/prometheus-alerts.yml" || bad "alert $alert missing"
    grep -q "alertname: $alert\$" "$dir/prometheus-alerts.test.yml" 2>/dev/null ||
        bad "alert $alert has no case in prometheus-alerts.test.yml"
done
if promtool test rules "$dir/prometheus-alerts.test.yml" >"$tmp/out" 2>&1; then
    ok "prometheus-alerts.test.yml (promtool test rules: each alert fires and resolves)"
else
    cat "$tmp/out" >&2; bad "prometheus-alerts.test.yml"
fi

for f in ecs-task-definition.json grafana-dashboard.json; do
    if python3 -m json.tool "$dir/$f" >/dev/null 2>"$tmp/out"; then
        ok "$f (valid JSON)"
    else
        cat "$tmp/out" >&2; bad "$f: not valid JSON"
    fi
done

# Field checks; the dashboard's queries go into a rules file for promtool to parse.
if python3 - "$dir" "$tmp/dash-rules.yml" <<'PY' 2>"$tmp/out"; then
import json, sys
d, rules = sys.argv[1], sys.argv[2]
errs = []
ecs = json.load(open(d + "/ecs-task-definition.json"))
c = ecs["containerDefinitions"][0]
for k in ("memory", "memoryReservation", "entryPoint", "command", "portMappings"):
    if k not in c:
        errs.append("ecs: containerDefinitions[0] lacks " + k)
cmd = c.get("command", [])
if cmd[:1] != ["run"] or "--" not in cmd or "--metrics" not in cmd:
    errs.append("ecs: command is not `run ... --metrics ADDR -- APP`")
if 9101 not in [p.get("containerPort") for p in c.get("portMappings", [])]:
    errs.append("ecs: no portMapping for 9101")
if c.get("memoryReservation", 0) > c.get("memory", 0):
    errs.append("ecs: memoryReservation above memory")
dash = json.load(open(d + "/grafana-dashboard.json"))
if not 36 <= dash.get("schemaVersion", 0) <= 40:
    errs.append("dashboard: schemaVersion %r" % dash.get("schemaVersion"))
names = [v["name"] for v in dash.get("templating", {}).get("list", [])]
if "service" not in names:
    errs.append("dashboard: no `service` template variable")
exprs = []
for p in dash["panels"]:
    if "gridPos" not in p:
        errs.append("dashboard: panel %r has no gridPos" % p.get("title"))
    for t in p.get("targets", []):
        e = t["expr"]
        for var, val in (("$__rate_interval", "1m"), ("$instance", ".*"), ("$service", ".*")):
            e = e.replace(var, val)
        if "$" in e:
            errs.append("dashboard: unknown variable in %r" % t["expr"])
        exprs.append(e)
with open(rules, "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write("      - record: dashboard:q%d\n        expr: %s\n" % (i, json.dumps(e)))
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
    ok "ecs-task-definition.json and grafana-dashboard.json fields"
else
    cat "$tmp/out" >&2; bad "deploy JSON fields"
fi
if [ -s "$tmp/dash-rules.yml" ] && promtool check rules "$tmp/dash-rules.yml" >"$tmp/out" 2>&1; then
    ok "grafana-dashboard.json queries (promtool)"
else
    cat "$tmp/out" >&2; bad "grafana-dashboard.json queries"
fi

if python3 -c 'import yaml' 2>/dev/null; then
    if python3 - "$dir/kubernetes-pod.yaml" <<'PY' 2>"$tmp/out"; then
import sys, yaml
pod = yaml.safe_load(open(sys.argv[1]))
c = pod["spec"]["containers"][0]
assert pod["kind"] == "Pod", "not a Pod"
assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true", "no scrape annotation"
assert c["resources"]["limits"]["memory"], "no memory limit"
assert c["args"][0] == "run" and "--" in c["args"] and "--metrics" in c["args"], "args"
PY
        ok "kubernetes-pod.yaml"
    else
        cat "$tmp/out" >&2; bad "kubernetes-pod.yaml"
    fi
else
    echo "skip kubernetes-pod.yaml (python3-yaml not installed)"
fi

if grep -q '^ENTRYPOINT \["[^"]*warden", "run"' "$dir/Dockerfile" && grep -q '^FROM ' "$dir/Dockerfile"; then
    ok "Dockerfile (exec-form warden entrypoint)"
else
    bad "Dockerfile: no exec-form ENTRYPOINT [\".../warden\", \"run\", ...]"
fi
if grep -q 'make .*static' "$dir/Dockerfile" && grep -q '^COPY --from=build /src/build-static/warden ' "$dir/Dockerfile"; then
    ok "Dockerfile (builds with make static, copies the static binary)"
else
    bad "Dockerfile: not built with make static / build-static/warden not copied"
fi
exit $fail
