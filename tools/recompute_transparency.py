#!/usr/bin/env python3
"""Recompute a Vigie transparency report from an event export, independently of Vigie's code.

    vigie audit export --data DIR --audience public --out events.jsonl
    python3 tools/recompute_transparency.py events.jsonl --from 2026-01-01 --to 2026-12-31

prints the report as JSON; compare it with `vigie report transparency ... --format json`.
With `--verify-chain`, an overseer's export (every event) is first checked link by link.

Standard library only. The figures' definitions are in docs/transparency.md; this file follows
that text, not Vigie's Rust code.
"""

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import re
import sys

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
EU_STATES = 27
SOURCES = ["order", "referral", "trusted_flagger", "public", "bank_match"]
TIERS = ["order", "referral", "trusted_flagger", "public", "bank_match"]
HOLD_END_REASONS = ["expired", "released", "order", "threat_to_life", "notice"]
ISSUED_OUTCOMES = ["complied", "cannot_comply", "overdue", "not_received", "within_time", "ended"]
NOT_REMOVED = ["cannot_comply", "overdue", "not_received", "within_time"]
HISTOGRAM = [("up_to_15m", 900), ("up_to_1h", 3600), ("up_to_6h", 21600),
             ("up_to_24h", 86400), ("up_to_7d", 604800), ("over_7d", None)]


def micros(text):
    """RFC 3339 (as Vigie writes it, or with an offset) to integer microseconds since 1970."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (t - EPOCH) // dt.timedelta(microseconds=1)


def bound(text, end):
    """A YYYY-MM-DD day (its midnight; the next one for an end) or an RFC 3339 instant."""
    if len(text) == 10:
        m = micros(text + "T00:00:00Z")
        return m + 86_400_000_000 if end else m
    return micros(text)


def rfc3339(us):
    t = EPOCH + dt.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % t.microsecond


def zeros(keys):
    return {k: 0 for k in keys}


def add(table, key, n=1):
    table[key] = table.get(key, 0) + n


def spread(values):
    """Count, median (mean of the two middle values when even) and nearest-rank p90, in seconds."""
    v = sorted(values)
    n = len(v)
    if n == 0:
        return {"count": 0, "median_seconds": None, "p90_seconds": None}
    median = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    rank = math.ceil(n * 9 / 10)
    return {"count": n, "median_seconds": median / 1e6, "p90_seconds": v[rank - 1] / 1e6}


def share(part, whole):
    return part / whole if whole else 0.0


def chain_hash(prev, e):
    h = hashlib.sha256(b"vigie-event-v1")
    fields = [prev, str(e["seq"]), e["id"], e["kind"], str(micros(e["at"])), e["clock"],
              e["actor"] or "", e["org"] or "", e["subject"], e["data"]]
    for f in fields:
        b = f.encode()
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.hexdigest()


def verify(events):
    prev, seq = "0" * 64, 0
    for e in events:
        if e["seq"] != seq + 1 or e["prev_hash"] != prev or chain_hash(prev, e) != e["hash"]:
            sys.exit("the chain breaks at event %s" % e["seq"])
        prev, seq = e["hash"], e["seq"]
    print("chain ok: %d events, head %s" % (seq, prev), file=sys.stderr)


SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "events.schema.json")
KINDS = {}  # kind -> its entry in docs/events.schema.json (version, schema, public)


def valid(schema, v):
    """A minimal JSON Schema check for the subset docs/events.schema.json uses."""
    if "anyOf" in schema:
        return any(valid(s, v) for s in schema["anyOf"])
    if "const" in schema and v != schema["const"]:
        return False
    t = schema.get("type")
    if t == "object":
        if not isinstance(v, dict):
            return False
        props = schema.get("properties", {})
        if any(k not in v for k in schema.get("required", [])):
            return False
        extra = schema.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                if not valid(props[k], x):
                    return False
            elif extra is False:
                return False
            elif isinstance(extra, dict) and not valid(extra, x):
                return False
        return True
    if t == "array":
        return isinstance(v, list) and all(valid(schema.get("items", {}), x) for x in v)
    if t == "string":
        if not isinstance(v, str):
            return False
        if "pattern" in schema and re.search(schema["pattern"], v) is None:
            return False
        if schema.get("format") == "date-time":
            try:
                micros(v)
            except ValueError:
                return False
        return True
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "null":
        return v is None
    return True


def readable(kind, data):
    """Whether an event's data matches its kind's published schema, whole (an overseer's or an
    organisation's export) or as the public sees it. An older version is checked against its own
    schema (`former`); without a schema file every event is readable."""
    if not KINDS:
        return True
    spec = KINDS.get(kind)
    if spec is None:
        return False
    version = data.get("v", 1)
    if not isinstance(version, int) or version > spec["version"]:
        return False
    if version < spec["version"]:
        # An older version is checked against the schema it was stored in; the upcasters in
        # docs/transparency.md then read it in the current shape.
        former = spec.get("former", {}).get(str(version))
        return former is not None and valid(former, data)
    return valid(spec["schema"], data) or (spec["public"] is not None and valid(spec["public"], data))


def recompute(events, start, end, org=None):
    # Links between events, from everything before the end.
    order_issued = {}      # order id -> (issue time, authority)
    ever_complied = set()
    ever_received, ever_suspended, ever_overdue, ever_ended = set(), set(), set(), set()
    issued_here = []       # orders issued in the period
    trigger_of = {}        # scrutiny id -> trigger
    org_kind = None
    unreadable = 0         # events that do not match their kind's schema: counted in no figure

    n_signals, by_source, n_threat, by_day = 0, zeros(SOURCES), 0, {}
    decisions, actions = 0, zeros(["remove", "disable", "restrict", "label",
                                   "suspend_account", "no_action", "exempt"])
    # Decisions their decider undid before the end: left out of every decision figure, counted as
    # undone in the period of the decision.
    undone_ids = set()
    for e in events:
        if e["kind"] == "decision.undone" and micros(e["at"]) < end:
            d = json.loads(e["data"]) if e["data"] else {}
            if isinstance(d, dict) and readable("decision.undone", d) and d.get("decision"):
                undone_ids.add(d["decision"])
    undone = 0
    restrictive, grounds, bases, scopes = 0, zeros(["law", "terms"]), {}, zeros(["eu_wide", "limited"])
    auto_detect = auto_decide = unfounded = 0
    to_action, per_tier, hist = [], {t: [] for t in TIERS}, zeros(k for k, _ in HISTOGRAM)
    issued = cross = emergency = secret = 0
    received, receipt = 0, []
    complied = in_hour = late = 0
    effect, measures, items, at_intake = [], zeros(["remove", "disable"]), 0, 0
    court = {"filed": 0, "filed_by": zeros(["platform"]), "decided": zeros(["upheld", "annulled", "withdrawn"]),
             "platform_decided": zeros(["upheld", "annulled", "withdrawn"])}
    overdue = escalations = 0
    suspended = {}         # order id -> set of states
    grounds_of = {}        # reason -> set of orders
    scr = {"requested": 0, "by_trigger": zeros(["platform", "uploader", "ex_officio"]), "decided": 0,
           "infringement": 0, "no_infringement": 0, "decided_late": 0, "overdue": 0,
           "platform_requests_decided": 0, "platform_requests_infringement": 0}
    ended = zeros(["scrutiny_infringement", "annulment"])
    cpl = {"received": 0, "by_complainant": zeros(["uploader", "notifier"]), "decided": 0, "upheld": 0,
           "reversed": 0, "decided_late": 0, "overdue": 0, "first_automated_decided": 0,
           "first_automated_reversed": 0}
    cpl_time = []
    cpl_outcomes = {k: zeros(["upheld", "reversed"]) for k in ("uploader", "notifier")}
    reinstated = {"total": 0, "by_cause": zeros(["complaint", "voluntary", "scrutiny_infringement", "annulment"])}
    holds = {"placed": 0, "ended_by_reason": zeros(HOLD_END_REASONS),
             "matched_not_held": 0}
    threats = {"signals": 0, "escalations": 0, "referred": 0, "referred_to_europol": 0, "acknowledged": 0}
    warned = suspensions = 0
    matches, match_cases, bank_added = 0, set(), 0
    demands = {}

    def demand(authority):
        return demands.setdefault(authority, {"orders": 0, "referrals": 0, "orders_complied": 0})

    for e in events:
        at = micros(e["at"])
        if at >= end:
            continue
        kind, subject = e["kind"], e["subject"]
        # The name this kind had until step 9.
        if kind == "escalation.threat_to_life":
            kind = "threat_to_life.escalated"
        d = json.loads(e["data"]) if e["data"] else {}
        if not isinstance(d, dict):
            d = {}
        if not readable(kind, d):
            unreadable += 1
            continue

        if kind == "org.created" and org is not None and subject == org:
            org_kind = d.get("kind")
        if kind == "signal.received" and d.get("kind") == "order":
            order_issued[subject] = (at, d.get("authority"))
        if kind == "order.complied":
            ever_complied.add(subject)
        if kind == "order.received":
            ever_received.add(subject)
        if kind == "order.suspended":
            ever_suspended.add(subject)
        if kind == "order.overdue":
            ever_overdue.add(subject)
        if kind == "order.ended":
            ever_ended.add(subject)
        if kind == "scrutiny.requested" and d.get("trigger") is not None:
            trigger_of[subject] = d["trigger"]

        if at < start:
            continue

        if kind == "signal.received":
            n_signals += 1
            k = d.get("kind")
            if k == "order":
                src = "order"
            elif k == "referral":
                src = "referral"
            elif k == "bank_match":
                src = "bank_match"
            elif d.get("tier") == "trusted_flagger":
                src = "trusted_flagger"
            else:
                src = "public"
            add(by_source, src)
            add(by_day.setdefault(e["at"][:10], zeros(SOURCES)), src)
            if d.get("threat_to_life") is True:
                n_threat += 1
            if src == "order":
                issued += 1
                issued_here.append(subject)
                cross += d.get("cross_border") is True
                emergency += d.get("emergency") is True
                secret += d.get("non_disclosure") is True
                if d.get("authority"):
                    demand(d["authority"])["orders"] += 1
            if src == "referral" and e.get("org"):
                demand(e["org"])["referrals"] += 1

        elif kind == "case.decided":
            if d.get("decision") in undone_ids:
                undone += 1
                continue
            decisions += 1
            action = d.get("action") or "unknown"
            add(actions, action)
            auto_detect += d.get("automated_detection") is True
            auto_decide += d.get("automated_decision") is True
            unfounded += d.get("manifestly_unfounded") is True
            if action in ("no_action", "exempt"):
                continue
            restrictive += 1
            basis = d.get("legal_basis")
            if basis:
                add(grounds, "law")
                add(bases, basis)
            elif d.get("terms_ground") is True:
                add(grounds, "terms")
            add(scopes, "eu_wide" if len(d.get("territorial_scope") or []) >= EU_STATES else "limited")
            tier = d.get("tier") or "public"
            if d.get("received_at"):
                took = at - micros(d["received_at"])
                to_action.append(took)
                per_tier.setdefault(tier, []).append(took)
                whole_seconds = -(-took // 1_000_000)
                for name, limit in HISTOGRAM:
                    if limit is None or whole_seconds <= limit:
                        add(hist, name)
                        break

        elif kind == "order.received":
            received += 1
            if subject in order_issued:
                receipt.append(at - order_issued[subject][0])
        elif kind == "order.complied":
            complied += 1
            if d.get("late") is True:
                late += 1
            else:
                in_hour += 1
            if d.get("measure"):
                add(measures, d["measure"])
            items += d["items"] if "items" in d else 1
            at_intake += d.get("at_intake") is True
            if subject in order_issued:
                effect.append(at - order_issued[subject][0])
                if order_issued[subject][1]:
                    demand(order_issued[subject][1])["orders_complied"] += 1
        elif kind == "order.suspended":
            suspended.setdefault(subject, set()).add(d.get("state") or "unknown")
            for r in d.get("reasons") or []:
                grounds_of.setdefault(r, set()).add(subject)
        elif kind == "order.overdue":
            overdue += 1
        elif kind == "order.escalated":
            escalations += 1
        elif kind == "order.ended":
            cause = d.get("cause")
            if isinstance(cause, dict):
                cause = cause.get("cause")
            add(ended, cause or "unknown")
        elif kind == "scrutiny.requested":
            scr["requested"] += 1
            add(scr["by_trigger"], d.get("trigger") or "unknown")
        elif kind == "scrutiny.decided":
            found = d.get("outcome") == "infringement"
            scr["decided"] += 1
            scr["infringement" if found else "no_infringement"] += 1
            scr["decided_late"] += d.get("late") is True
            if trigger_of.get(subject) == "platform":
                scr["platform_requests_decided"] += 1
                scr["platform_requests_infringement"] += found
        elif kind == "scrutiny.overdue":
            scr["overdue"] += 1
        elif kind == "order.challenged":
            court["filed"] += 1
            add(court["filed_by"], d.get("brought_by") or "unknown")
        elif kind == "order.challenge_decided":
            outcome = d.get("outcome") or "unknown"
            add(court["decided"], outcome)
            if d.get("brought_by") == "platform":
                add(court["platform_decided"], outcome)
        elif kind == "complaint.received":
            cpl["received"] += 1
            add(cpl["by_complainant"], d.get("complainant") or "unknown")
        elif kind == "complaint.reviewed":
            reversed_ = d.get("outcome") == "reversed"
            cpl["decided"] += 1
            cpl["reversed" if reversed_ else "upheld"] += 1
            who = d.get("complainant") or "unknown"
            add(cpl_outcomes.setdefault(who, zeros(["upheld", "reversed"])), "reversed" if reversed_ else "upheld")
            cpl["decided_late"] += d.get("late") is True
            if d.get("first_automated") is True:
                cpl["first_automated_decided"] += 1
                cpl["first_automated_reversed"] += reversed_
            if d.get("received_at"):
                cpl_time.append(at - micros(d["received_at"]))
        elif kind == "complaint.overdue":
            cpl["overdue"] += 1
        elif kind == "content.reinstated":
            reinstated["total"] += 1
            add(reinstated["by_cause"], d.get("cause") or "unknown")
        elif kind == "case.held":
            holds["placed"] += 1
        elif kind == "hold.ended":
            add(holds["ended_by_reason"], d.get("reason") or "unknown")
        elif kind == "watchlist.matched":
            holds["matched_not_held"] += 1
        elif kind == "threat_to_life.escalated":
            threats["escalations"] += 1
        elif kind == "threat_to_life.referred":
            threats["referred"] += 1
            threats["referred_to_europol"] += d.get("europol") is True
        elif kind == "threat_to_life.acknowledged":
            threats["acknowledged"] += 1
        elif kind == "notifier.warned":
            warned += 1
        elif kind == "notifier.suspended":
            suspensions += 1
        elif kind == "upload.matched":
            matches += 1
            if d.get("case"):
                match_cases.add(d["case"])
        elif kind == "bank.entries_added":
            bank_added += d["count"] if "count" in d else d.get("lines", 0)

    threats["signals"] = n_threat
    reasons = zeros(["force_majeure", "manifest_errors", "insufficient_information"])
    for r, orders in grounds_of.items():
        reasons[r] = len(orders)
    never = [o for o in suspended if o not in ever_complied]
    never_fm = [o for o in never if "force_majeure" in suspended[o]]
    cannot = {
        "orders": len(suspended),
        "force_majeure": sum("force_majeure" in s for s in suspended.values()),
        "awaiting_clarification": sum("awaiting_clarification" in s for s in suspended.values()),
        "by_reason": reasons,
        "not_executed": len(never),
        "not_executed_force_majeure": len(never_fm),
        "not_executed_errors": len(never) - len(never_fm),
    }
    fate = zeros(ISSUED_OUTCOMES)
    for o in issued_here:
        if o in ever_complied:
            add(fate, "complied")
        elif o in ever_ended:
            add(fate, "ended")
        elif o in ever_suspended:
            add(fate, "cannot_comply")
        elif o in ever_overdue:
            add(fate, "overdue")
        elif o not in ever_received:
            add(fate, "not_received")
        else:
            add(fate, "within_time")
    not_removed = {k: fate[k] for k in NOT_REMOVED}
    orders = {
        "issued": issued, "cross_border": cross, "emergency": emergency, "non_disclosure": secret,
        "received": received, "time_to_receipt": spread(receipt),
        "complied": complied, "complied_within_hour": in_hour, "complied_late": late,
        "within_hour_share": share(in_hour, complied), "time_to_effect": spread(effect),
        "by_measure": measures, "items_removed_or_disabled": items, "complied_at_intake": at_intake,
        "issued_outcomes": fate, "court": court,
        "overdue": overdue, "escalations": escalations,
        "cannot_comply": cannot, "scrutiny": scr, "ended": ended,
    }
    causes = reinstated["by_cause"]
    return {
        "report": "vigie.transparency",
        "version": 2,
        "scope": {"org": org, "org_kind": org_kind, "from": rfc3339(start), "to": rfc3339(end),
                  "unreadable_events": unreadable},
        "notices": {"received": n_signals, "by_source": by_source, "by_day": by_day,
                    "threat_to_life": n_threat},
        "actions": {
            "decisions": decisions, "undone": undone, "by_action": actions, "restrictive": restrictive,
            "by_ground": grounds, "by_legal_basis": bases, "by_scope": scopes,
            "automated_detection": auto_detect, "automated_decision": auto_decide,
            "automated_share": share(auto_decide, decisions), "manifestly_unfounded": unfounded,
        },
        "time_to_action": {
            "all": spread(to_action),
            "by_tier": {t: spread(v) for t, v in per_tier.items()},
            "histogram": hist,
        },
        "orders": orders,
        "complaints": dict(cpl, time_to_decision=spread(cpl_time), outcomes_by_complainant=cpl_outcomes),
        "reinstatements": reinstated,
        "holds": holds,
        "threat_to_life": threats,
        "misuse": {"warnings": warned, "suspensions": suspensions, "manifestly_unfounded": unfounded},
        "stay_down": {"upload_matches": matches, "upload_cases": len(match_cases),
                      "bank_entries_added": bank_added},
        "state_demands": demands,
        "tco_art7": {
            "a_orders_received": received,
            "a_referrals": by_source["referral"],
            "a_notices": by_source["public"] + by_source["trusted_flagger"],
            "a_decisions": decisions,
            "b_upload_matches": matches,
            "b_bank_entries_added": bank_added,
            "c_items_removed_or_disabled": items,
            "c_complied_at_intake": at_intake,
            "c_orders_not_executed": cannot["not_executed"],
            "c_not_executed_force_majeure": cannot["not_executed_force_majeure"],
            "c_not_executed_errors": cannot["not_executed_errors"],
            "c_grounds": reasons,
            "d_complaints": cpl["by_complainant"].get("uploader", 0),
            "d_upheld": cpl_outcomes["uploader"]["upheld"],
            "d_reversed": cpl_outcomes["uploader"]["reversed"],
            "e_review_requested": scr["by_trigger"]["platform"],
            "e_review_decided": scr["platform_requests_decided"],
            "e_review_infringement": scr["platform_requests_infringement"],
            "e_court_challenges": court["filed_by"]["platform"],
            "e_court_upheld": court["platform_decided"]["upheld"],
            "e_court_annulled": court["platform_decided"]["annulled"],
            "e_court_withdrawn": court["platform_decided"]["withdrawn"],
            "f_reinstated_after_review": causes["scrutiny_infringement"] + causes["annulment"],
            "g_reinstated_after_complaint": causes["complaint"],
        },
        "tco_art8": {
            "a_orders_issued": issued,
            "a_cross_border": cross,
            "a_scrutinised": scr["requested"],
            "a_removed_or_disabled": fate["complied"],
            "a_not_removed": sum(not_removed.values()),
            "a_not_removed_by_reason": not_removed,
            "a_ended_before_compliance": fate["ended"],
            "b_specific_measures": None,
            "c_under_review": scr["requested"] + court["filed"],
            "c_reviewed": scr["decided"] + court["decided"]["upheld"] + court["decided"]["annulled"],
            "c_upheld": scr["no_infringement"] + court["decided"]["upheld"],
            "c_infringement": scr["infringement"],
            "c_annulled": ended["annulment"],
            "d_penalties": None,
        },
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("export", help="JSON lines written by `vigie audit export`, or - for stdin")
    p.add_argument("--from", dest="start", required=True)
    p.add_argument("--to", dest="end", required=True)
    p.add_argument("--org", help="the organisation the export was made for")
    p.add_argument("--verify-chain", action="store_true", help="check an overseer's export link by link")
    p.add_argument("--schema", default=SCHEMA_FILE, help="the events' JSON Schemas (docs/events.schema.json)")
    a = p.parse_args()
    if os.path.exists(a.schema):
        with open(a.schema, encoding="utf-8") as f:
            KINDS.update(json.load(f)["kinds"])
    source = sys.stdin if a.export == "-" else open(a.export, encoding="utf-8")
    events = [json.loads(line) for line in source if line.strip()]
    if a.verify_chain:
        verify(events)
    report = recompute(events, bound(a.start, False), bound(a.end, True), a.org)
    json.dump(report, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
