"""Lenders' registration and admission (art. 7a Waadi, Wtta), the 36-month hiring limit (proposed), accident
reporting (art. 9 Arbowet) and the lender's meld- en vergewisplicht (bill 36781, proposed).

Dates: Wtta in force 2027-01-01, admission required 2028-01-01 (rijksoverheid.nl 2025-11-11, confirmed); Waadi
registration duty since 2012-07-01. Fines: Waadi tiers EUR 8,000/16,000/32,000 (nlarbeidsinspectie.nl, boetes
Waadi); Arbo categories and size percentages (BWBR0032326).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from eerlijkwerk.engine.run import run_audit
from eerlijkwerk.engine.scenario import Scenario
from eerlijkwerk.law.waadi.register import check
from tests.helpers import records, write_table

LENDER, HIRER, OTHER = "90000001", "90000002", "90000003"
EMPLOYERS = [{"employer_id": LENDER, "role": "uitlener"}, {"employer_id": HIRER, "role": "inlener", "headcount": "60"},
             {"employer_id": OTHER, "role": "inlener", "legal_form": "natural_person"}]


def setup(folder: Path, placements, admissions=None, accidents=None, verifications=None, workers=1):
    ws = [{"worker_id": f"W{i}", "birth_date": "1990-05-05", "nationality": "PL"} for i in range(1, workers + 1)]
    records(folder, [{"period_start": "2025-03-03", "period_end": "2025-03-09", "hours_worked": "40",
                      "gross_wage": "700", "holiday_allowance": "60"}], workers=ws, employers=EMPLOYERS)
    write_table(folder, "placements", placements)
    for name, rows in (("admissions", admissions), ("accidents", accidents), ("verifications", verifications)):
        if rows:
            write_table(folder, name, rows)
    return folder


def pl(start, end, worker="W1", hirer=HIRER, pid="PL1", workplace="site-1"):
    return {"placement_id": pid, "worker_id": worker, "uitlener_id": LENDER, "inlener_id": hirer,
            "workplace": workplace, "start_date": start, "end_date": end}


def adm(kind, start, end=None, aid="A1"):
    return {"admission_id": aid, "employer_id": LENDER, "kind": kind, "valid_from": start, "valid_to": end}


def found(result, prefix=""):
    return sorted((f["rule_id"], f["employer_id"], str(f["period_start"]), str(f["period_end"]))
                  for f in result.findings.to_pylist() if f["rule_id"].startswith(prefix))


def test_registration_lapsing_in_the_middle_of_a_placement(tmp_path):
    r = run_audit(setup(tmp_path, [pl("2025-03-01", "2025-03-31")],
                        [adm("waadi_registration", "2020-01-01", "2025-03-15")]))
    assert found(r, "waadi") == [
        ("waadi.hirer_unregistered_lender", HIRER, "2025-03-16", "2025-03-31"),
        ("waadi.unregistered_lender", LENDER, "2025-03-16", "2025-03-31")]


@pytest.mark.parametrize("day,expected", [
    ("2026-12-31", []),  # Waadi only: registered
    ("2027-01-01", ["wtta.hirer_not_admitted_lender", "wtta.not_admitted_lender"]),  # Wtta in force: no transition
    ("2027-12-31", ["wtta.hirer_not_admitted_lender", "wtta.not_admitted_lender"]),
    ("2028-01-01", ["wtta.hirer_not_admitted_lender", "wtta.not_admitted_lender"]),  # admission required
])
def test_wtta_dates_without_transition_registration(tmp_path, day, expected):
    r = run_audit(setup(tmp_path, [pl(day, day)], [adm("waadi_registration", "2020-01-01")]))
    assert sorted(x[0] for x in found(r)) == expected


@pytest.mark.parametrize("day,allowed", [
    ("2026-12-31", True), ("2027-01-01", True), ("2027-12-31", True), ("2028-01-01", False), ("2028-01-02", False),
])
def test_transition_registration_until_admission_required(tmp_path, day, allowed):
    adms = [adm("waadi_registration", "2020-01-01"), adm("wtta_transition", "2026-12-01", aid="A2")]
    r = run_audit(setup(tmp_path, [pl(day, day)], adms))
    assert (found(r) == []) is allowed
    params = r.params
    recs = [{**a, "status": "active", "valid_from": dt.date.fromisoformat(a["valid_from"]),
             "valid_to": None} for a in adms]
    assert check(recs, params, LENDER, dt.date.fromisoformat(day)).allowed is allowed


def test_waadi_fine_tiers_and_natural_person_hirer(tmp_path):
    """3 workers lent without registration: EUR 8,000 for the lender; the hirer, a natural person: × 0.5."""
    places = [pl("2025-03-01", "2025-03-10", worker=f"W{i}", hirer=OTHER, pid=f"PL{i}") for i in (1, 2, 3)]
    r = run_audit(setup(tmp_path, places, workers=3))
    fines = {f["rule_id"]: (f["norm_amount"], f["amount"]) for f in r.fines.to_pylist()}
    assert fines["waadi.unregistered_lender"] == (Decimal("8000.00"), Decimal("8000.00"))
    assert fines["waadi.hirer_unregistered_lender"] == (Decimal("8000.00"), Decimal("4000.00"))


def test_wtta_fine_is_not_guessed(tmp_path):
    r = run_audit(setup(tmp_path, [pl("2028-02-01", "2028-02-01")], [adm("waadi_registration", "2020-01-01")]))
    fines = [f for f in r.fines.to_pylist() if f["rule_id"].startswith("wtta")]
    assert fines and all(f["amount"] is None and f["outcome"] == "no fine policy in force" for f in fines)


def hiring_limit_scenario(tmp_path: Path, since="2020-01-01") -> Scenario:
    f = tmp_path / "limit.yaml"
    f.write_text("name: 36-month hiring limit\nuse_proposed_values: true\nenable_rules: [waadi.hiring_limit]\n"
                 "parameters:\n  waadi.inleentermijn:\n"
                 f"    {since}: {{value: '36', status: proposed, confidence: secondary, source: 'Kamerbrief 2024-12-19', "
                 "url: 'https://www.tweedekamer.nl/kamerstukken/brieven_regering/detail?did=2024D51121'}\n")
    return Scenario.load(f)


@pytest.mark.parametrize("start,last_allowed", [
    ("2021-03-01", "2024-02-29"),  # 36 months from 2021-03-01 end on 2024-02-29 (leap year)
    ("2022-03-01", "2025-02-28"),
    ("2021-02-28", "2024-02-27"),
])
def test_hiring_limit_to_the_day(tmp_path, start, last_allowed):
    last = dt.date.fromisoformat(last_allowed)
    adms = [adm("waadi_registration", "2012-07-01")]
    sc = hiring_limit_scenario(tmp_path)
    r = run_audit(setup(tmp_path / "a", [pl(start, last_allowed)], adms), scenario=sc)
    assert found(r, "waadi.hiring") == []
    nxt = (last + dt.timedelta(days=1)).isoformat()
    r = run_audit(setup(tmp_path / "b", [pl(start, nxt)], adms), scenario=sc)
    assert found(r, "waadi.hiring") == [("waadi.hiring_limit", HIRER, start, nxt)]
    assert found(run_audit(setup(tmp_path / "c", [pl(start, nxt)], adms)), "waadi.hiring") == []  # proposed: off


def test_hiring_limit_counts_interrupted_placements_cumulatively(tmp_path):
    """No interruption rule is confirmed: two placements of 18 months with a gap add up."""
    adms = [adm("waadi_registration", "2012-07-01")]
    places = [pl("2021-01-01", "2022-06-30"), pl("2023-01-01", "2024-12-31", pid="PL2")]
    r = run_audit(setup(tmp_path, places, adms), scenario=hiring_limit_scenario(tmp_path))
    [(rule, emp, first, over)] = found(r, "waadi.hiring")
    # 36 months from 2021-01-01 = 1,095 days; the first placement gives 546 (2021: 365, 2022 H1: 181), the second
    # needs 549 more from 2023-01-01: 365 in 2023 + 184 in 2024 → the 549th day is 2024-07-02, exceeded on 07-03
    assert first == "2021-01-01" and over == "2024-07-03"


def accident(**kw):
    return {"accident_id": "AC1", "occurred_on": "2025-03-05", "employer_id": HIRER, "workplace": "site-1",
            "worker_id": "W1", "severity": "hospital_admission", "hospital_nights": "3", "reported_on": "2025-03-05",
            "reported_by": "employer", **kw}


def test_accident_not_reported_and_fine(tmp_path):
    """Art. 9 lid 1 Arbowet: not reported by the employer → category 5 (EUR 4,500) × size 40–99 employees 50%."""
    r = run_audit(setup(tmp_path, [pl("2025-03-01", "2025-03-31")], [adm("waadi_registration", "2020-01-01")],
                        [accident(reported_on=None, reported_by=None)]))
    assert found(r, "arbowet") == [("arbowet.accident_not_reported", HIRER, "2025-03-05", "2025-03-05")]
    [f] = [f for f in r.fines.to_pylist() if f["rule_id"] == "arbowet.accident_not_reported"]
    assert (f["norm_amount"], f["amount"]) == (Decimal("4500.00"), Decimal("2250.00"))


def test_accident_cause_multiplier(tmp_path):
    """The violation that caused a hospital admission of 3 nights (2019 policy: 2–<7 nights × 3.5), category 4
    (EUR 3,000) × 3.5 × 50% (60 employees) = EUR 5,250."""
    r = run_audit(setup(tmp_path, [pl("2025-03-01", "2025-03-31")], [adm("waadi_registration", "2020-01-01")],
                        [accident(cause_category="4", cause_article="art. 7.7 Arbobesluit")]))
    [f] = [f for f in r.fines.to_pylist() if f["rule_id"] == "arbowet.accident_cause"]
    assert f["amount"] == Decimal("5250.00")


def vergewis_scenario(tmp_path: Path) -> Scenario:
    f = tmp_path / "36781.yaml"
    f.write_text("name: bill 36781 in force\nuse_proposed_values: true\n"
                 "enable_rules: [arbowet.lender_not_reported, arbowet.placement_before_verification]\n")
    return Scenario.load(f)


@pytest.mark.parametrize("order,expected", [
    ("accident, verification, placement", []),
    ("accident, placement, verification", ["placement before verification"]),
    ("accident, placement, no verification", ["placement before verification"]),
    ("placement, accident, verification", []),  # the placement was already running: no new placement
])
def test_accident_verification_placement_orders(tmp_path, order, expected):
    acc_day, ver_day, new_day = "2027-08-02", "2027-08-10", "2027-08-20"
    if order == "accident, placement, verification":
        ver_day, new_day = "2027-08-20", "2027-08-10"
    places = [pl("2027-07-01", "2027-08-31")]
    if order != "placement, accident, verification":
        places.append(pl(new_day, "2027-08-31", worker="W2", pid="PL2"))
    vers = None if "no verification" in order else [
        {"verification_id": "V1", "accident_id": "AC1", "uitlener_id": LENDER, "verified_on": ver_day}]
    adms = [adm("waadi_registration", "2020-01-01"), adm("wtta_transition", "2026-12-01", aid="A2")]
    folder = setup(tmp_path, places, adms, [accident(occurred_on=acc_day, reported_on=acc_day,
                                                     lender_reported_on=acc_day)], vers, workers=2)
    r = run_audit(folder, scenario=vergewis_scenario(tmp_path))
    got = [f for f in r.findings.to_pylist() if f["rule_id"] == "arbowet.placement_before_verification"]
    assert (["placement before verification"] if got else []) == expected
    assert not [f for f in run_audit(folder).findings.to_pylist() if f["rule_id"].startswith("arbowet.placement")]


def test_lender_duty_to_report_only_with_the_bill(tmp_path):
    places = [pl("2027-07-01", "2027-08-31")]
    adms = [adm("waadi_registration", "2020-01-01"), adm("wtta_transition", "2026-12-01", aid="A2")]
    folder = setup(tmp_path, places, adms, [accident(occurred_on="2027-08-02", reported_on="2027-08-02")])
    assert found(run_audit(folder), "arbowet") == []
    r = run_audit(folder, scenario=vergewis_scenario(tmp_path))
    assert [(f[0], f[1]) for f in found(r, "arbowet")] == [("arbowet.lender_not_reported", LENDER)]
    status = {f["rule_id"]: f["status"] for f in r.findings.to_pylist()}
    assert status["arbowet.lender_not_reported"] == "proposed"


def test_hiring_limit_interruption_rule_when_a_scenario_sets_it(tmp_path):
    """No interruption rule is confirmed (off by default: placements add up, see above). A scenario that sets a reset
    after a 6-month gap restarts the count: 18 months, a 6-month gap, 24 months → no finding."""
    f = tmp_path / "gap.yaml"
    f.write_text("name: limit with 6-month reset\nenable_rules: [waadi.hiring_limit]\nparameters:\n"
                 "  waadi.inleentermijn:\n    2020-01-01: {value: '36', status: proposed, confidence: secondary, "
                 "source: 'Kamerbrief 2024-12-19', url: 'https://www.tweedekamer.nl'}\n"
                 "  waadi.inleentermijn_onderbreking:\n    2020-01-01: {value: '6', status: proposed, "
                 "confidence: unconfirmed, source: 'what-if', url: 'https://www.tweedekamer.nl'}\n")
    adms = [adm("waadi_registration", "2012-07-01")]
    places = [pl("2021-01-01", "2022-06-30"), pl("2023-01-01", "2024-12-31", pid="PL2")]
    assert found(run_audit(setup(tmp_path / "a", places, adms), scenario=Scenario.load(f)), "waadi.hiring") == []
    places = [pl("2021-01-01", "2022-06-30"), pl("2022-11-01", "2024-12-31", pid="PL2")]  # 4-month gap: no reset
    assert len(found(run_audit(setup(tmp_path / "b", places, adms), scenario=Scenario.load(f)), "waadi.hiring")) == 1
