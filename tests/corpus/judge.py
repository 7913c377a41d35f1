# SPDX-License-Identifier: MIT
# The corpus harness's judge: compares what warden showed for one case (the journal, the
# report and the status taken by run.sh, and its status samples) with the case's `expect`
# file, prints the case's result line (and, on failure, want/seen and the evidence), and
# writes one TSV row. Only the standard library: it runs wherever python3 does.
# Usage: python3 judge.py NAME EXPECT_FILE CASE_SCRATCH_DIR TSV_ROW_OUT
import json
import re
import sys

# expect keys that steer the harness rather than state an expectation
CONTROL = {"desc", "requires", "wait_exits", "wait_event", "min_s", "deadline_s",
           "listener_at_s", "order", "build"}


def read_kv(path):
    out = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#") or "=" not in line:
                    continue
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip()
    except OSError:
        pass
    return out


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_events(path, name):
    evs = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if isinstance(ev, dict) and ev.get("service", name) == name:
                    evs.append(ev)
    except OSError:
        pass
    return evs


def read_samples(path):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                p = line.split()
                if len(p) >= 4:
                    rows.append((int(p[0]), p[1], p[2] == "1", float(p[3])))
    except (OSError, ValueError):
        pass
    return rows


def service_status(st):
    if isinstance(st, dict):
        for s in st.get("services") or []:
            if isinstance(s, dict):
                return s
    return {}


# Recommendations that propose a bigger memory_max or memory_restart as the fix.
RAISE_RE = re.compile(r"\b(raise|raising|increase|increasing)\b[^.;]{0,20}\bmemory_(max|restart)\b"
                      r"|\bset memory_(max|restart)\b[^.;]{0,12}\b(to|=)", re.I)


def raise_violations(recs, limits):
    bad = []
    for r in recs:
        code, text = r.get("code", "?"), str(r.get("text", ""))
        m = RAISE_RE.search(text)
        if m:
            bad.append(f"{code}: \"{m.group(0)}\"")
            continue
        want = r.get("recommended_bytes")
        if code == "memory-max" and isinstance(want, int) and limits.get("max") and \
                want > limits["max"] and not r.get("sufficient"):
            bad.append(f"memory-max proposes {want} bytes > memory_max")
        if code == "memory-restart":
            bad.append("memory-restart recommendation")
    return bad


def sized_recs(recs):
    out = []
    for r in recs:
        for k in ("recommended_bytes", "ecs_memory_mib", "k8s_limits_memory"):
            v = r.get(k)
            if v not in (None, 0, "", "0Mi"):
                out.append(f"{r.get('code', '?')}.{k}={v}")
                break
        else:
            if re.search(r"\bset memory_max\s*=\s*\d", str(r.get("text", ""))):
                out.append(f"{r.get('code', '?')}: text sets memory_max")
    return out


def leak_scopes(events):
    scopes = set()
    for ev in events:
        if ev.get("type") == "leak-suspected":
            scopes.add(ev.get("scope") or "within-instance")
    return scopes


def observe(exp, scratch, name):
    """What warden showed, as strings keyed like the expect file."""
    meta = read_kv(f"{scratch}/meta")
    judge = "judge" if read_json(f"{scratch}/judge.report.json") is not None else "final"
    report = read_json(f"{scratch}/{judge}.report.json") or {}
    status = service_status(read_json(f"{scratch}/{judge}.status.json"))
    events = read_events(f"{scratch}/{judge}.events.json", name)
    all_events = read_events(f"{scratch}/final.events.json", name) or events
    samples = read_samples(f"{scratch}/samples")
    exits = [e for e in events if e.get("type") == "exit"]
    last = exits[-1] if exits else {}
    recs = report.get("recommendations") or []
    first = recs[0] if recs and isinstance(recs[0], dict) else {}
    seen = {}
    seen["exit_kind"] = last.get("kind", "-") if last else "-"
    rt = last.get("runtime_oom")
    seen["runtime_oom"] = (rt.get("runtime") or "?") if isinstance(rt, dict) else "none"
    seen["verdict"] = (report.get("verdict") or {}).get("code", "-")
    seen["first_rec"] = first.get("code", "-")
    failed = any(s[1] == "failed" for s in samples) or \
        any(e.get("type") == "failed" for e in all_events)
    seen["never_failed"] = "no" if failed else "yes"
    scopes = leak_scopes(all_events)
    seen["leak_scope"] = ",".join(sorted(scopes)) if scopes else "none"
    lp = last.get("left_processes")
    seen["left_processes_min"] = str(lp) if isinstance(lp, int) else "-"
    sized = sized_recs(recs)
    seen["no_memory_max_number"] = "yes" if not sized else "no (" + "; ".join(sized) + ")"
    limits = {"max": (report.get("memory") or {}).get("limit_bytes")}
    bad = raise_violations(recs, limits)
    seen["no_raise_limits"] = "yes" if not bad else "no (" + "; ".join(bad) + ")"
    seen["first_rec_text_has"] = str(first.get("text", ""))
    tail = last.get("tail")
    seen["tail_has"] = " | ".join(str(x) for x in tail) if isinstance(tail, list) else "(no tail)"
    t_open = int(meta.get("t_open_ms", "0") or 0)
    outage = [s for s in samples if not t_open or s[0] < t_open]
    cl = any(s[2] or s[1] == "crash-looping" for s in outage)
    seen["crash_looping_seen"] = "yes" if cl else "no"
    seen["back_within_s"] = meta.get("back_s") or "never"
    seen["exits"] = meta.get("exits", "?")
    extra = {"status": status, "last": last, "report": report, "first": first, "meta": meta,
             "events": events}
    return seen, extra


def matches(key, want, got):
    if key == "leak_scope":
        return want in got.split(",")
    if key == "left_processes_min":
        return got.isdigit() and int(got) >= int(want)
    if key == "first_rec_text_has":
        # as a token: "-d" must not match inside "re-deploy"
        return re.search(r"(^|[\s\"'`(])" + re.escape(want) + r"($|[\s\"'`),.;:])", got) is not None
    if key == "tail_has":
        return want in got
    if key == "back_within_s":
        try:
            return float(got) <= float(want)
        except ValueError:
            return False
    return want == got


def evidence(extra):
    out = []
    last, st, rep, first = extra["last"], extra["status"], extra["report"], extra["first"]
    if last:
        keep = {k: v for k, v in last.items() if k not in ("seq", "service", "type")}
        out.append("last exit: " + json.dumps(keep, sort_keys=True)[:900])
    if st:
        fields = {k: st.get(k) for k in ("state", "crash_looping", "restarts",
                                         "consecutive_failures", "reason") if k in st}
        out.append("status: " + json.dumps(fields))
    v = rep.get("verdict") or {}
    if v:
        out.append(f"verdict text: {v.get('text', '')}")
    if first:
        out.append(f"first rec ({first.get('code')}): {str(first.get('text', ''))[:400]}")
    others = [r.get("code", "?") for r in (rep.get("recommendations") or [])[1:]]
    if others:
        out.append("other recs: " + ", ".join(others))
    leaks = [e for e in extra["events"] if e.get("type") == "leak-suspected"]
    if leaks:
        out.append("leak-suspected: " + json.dumps({k: leaks[-1].get(k) for k in
                                                   ("scope", "rate_bytes_per_s", "eta_s")}))
    m = extra["meta"]
    out.append(f"case: {m.get('exits', '?')} exits seen, ended by {m.get('end', '?')} after "
               f"{m.get('elapsed_s', '?')} s")
    return out


def clean(s):
    return str(s).replace("\t", " ").replace("\n", " ")


def main():
    name, exp_path, scratch, row_out = sys.argv[1:5]
    exp = read_kv(exp_path)
    seen, extra = observe(exp, scratch, name)
    meta = extra["meta"]
    bad = []
    for key, want in exp.items():
        if key in CONTROL:
            continue
        got = seen.get(key, "-")
        if not matches(key, want, got):
            bad.append((key, want, got))
    want_exits = exp.get("wait_exits")
    if want_exits and meta.get("end") != "failed" and not (seen["exits"].isdigit() and int(seen["exits"]) >= int(want_exits)):
        bad.append(("exits", f">={want_exits}", seen["exits"]))
    if meta.get("leftovers"):
        bad.append(("leftover_processes", "none", meta["leftovers"]))
    result = "ok" if not bad else "FAIL"
    head = " ".join(f"{k}={seen[k]}" for k in ("exit_kind", "runtime_oom", "verdict", "first_rec"))
    print(f"{result} {name}: {head.replace('exit_kind=', 'exit=', 1)}")
    for key, want, got in bad:
        shown = got if len(got) <= 300 else got[:300] + "..."
        print(f"    want {key}={want}, seen {shown}")
    if bad:
        for line in evidence(extra):
            print(f"    | {line}")
    reason = extra["last"].get("reason", "") if extra["last"] else ""
    row = [name, result, seen["exit_kind"], seen["runtime_oom"], seen["verdict"],
           seen["first_rec"], reason, meta.get("elapsed_s", ""),
           "; ".join(f"{k}: want {w}, seen {g[:120]}" for k, w, g in bad), exp.get("desc", "")]
    with open(row_out, "w", encoding="utf-8") as f:
        f.write("\t".join(clean(x) for x in row) + "\n")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
