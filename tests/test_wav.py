"""Work permits (Wav art. 2), the employer chain (case A4), exemptions, permit boundaries, the kennismigrant salary
criterion, WagwEU notifications and the art. 23 claim.

Sources: art. 1, 2, 23 Wav (BWBR0007149); art. 4.6 BuWav 2022; IND salary criteria (parameters/salariscriterium.yaml);
postedworkers.nl (WagwEU fines). Wav fine from 2025-02-01: Stcrt. 2025, 3117 (norm amounts: secondary).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eerlijkwerk.engine.run import run_audit
from tests.helpers import records, write_table

EMPLOYERS = [{"employer_id": "90000001", "legal_form": "legal_person"},
             {"employer_id": "90000002", "legal_form": "legal_person"},
             {"employer_id": "90000003", "legal_form": "natural_person"}]
SLIP = {"period_start": "2025-03-03", "period_end": "2025-03-09", "hours_worked": "40", "gross_wage": "700",
        "holiday_allowance": "60"}


def audit(folder, nationality="UA", permits=None, shifts=None, placements=None, postings=None, slips=None,
          workers=None, **tables):
    records(folder, slips or [SLIP], employers=EMPLOYERS,
            workers=workers or [{"worker_id": "W1", "birth_date": "1990-05-05", "nationality": nationality}])
    for name, rows in (("permits", permits), ("shifts", shifts), ("placements", placements),
                       ("postings", postings), *tables.items()):
        if rows:
            write_table(folder, name, rows)
    return run_audit(folder)


def wav(result, worker=None):
    return sorted((f["employer_id"], f["reason"], f["presumption"]) for f in result.findings.to_pylist()
                  if f["rule_id"] == "wav.no_permit" and worker in (None, f["_worker_id"]))


def permit(**kw):
    return {"permit_id": "M1", "worker_id": "W1", "employer_id": "90000001", "permit_type": "twv",
            "valid_from": "2025-01-01", "valid_to": "2025-12-31", **kw}


EXEMPTIONS = [
    ("PL", None, []),  # EU national: exempt
    ("CH", None, []),  # Swiss: exempt
    ("GB", None, [("90000001", "employer of record", False)]),  # UK out of the list since 2021-01-01
    ("UA", None, [("90000001", "employer of record", False)]),
    ("UA", [permit()], []),  # TWV for this employer
    ("UA", [permit(permit_type="gvva")], []),
    ("UA", [permit(employer_id="90000002")], [("90000001", "employer of record", False)]),  # TWV for someone else
    ("IN", [permit(permit_type="kennismigrant", salary_category="age_30_plus")], []),
    ("IN", [permit(permit_type="eu_blue_card", salary_category="blue_card")], []),
    ("SY", [permit(permit_type="arbeid_vrij", employer_id=None)], []),  # residence permit: labour free
    ("AF", [permit(permit_type="w_document", employer_id=None)], [("90000001", "employer of record", False)]),
]


@pytest.fixture(scope="module")
def exemption_audits(tmp_path_factory):
    """The cases of test_exemption_paths, a worker each (W<case number>), audited together (an audit costs seconds, a
    case's records nothing): one audit of the cases without a permits table, one of the cases with permits."""
    audits = {}
    for with_permits in (False, True):
        cases = [i for i, (_, pm, _) in enumerate(EXEMPTIONS) if (pm is not None) == with_permits]
        workers = [{"worker_id": f"W{i}", "birth_date": "1990-05-05", "nationality": EXEMPTIONS[i][0]} for i in cases]
        pms = [{**p, "permit_id": f"M{i}", "worker_id": f"W{i}"} for i in cases for p in EXEMPTIONS[i][1] or []]
        r = audit(tmp_path_factory.mktemp("exemptions"), permits=pms, workers=workers,
                  slips=[{**SLIP, "worker_id": f"W{i}"} for i in cases])
        audits.update({i: r for i in cases})
    return audits


@pytest.mark.parametrize("nationality,permits,expected", EXEMPTIONS)
def test_exemption_paths(exemption_audits, nationality, permits, expected):
    case = EXEMPTIONS.index((nationality, permits, expected))
    assert wav(exemption_audits[case], f"W{case}") == expected


@pytest.mark.parametrize("valid_to,expected", [
    ("2025-03-09", []),  # permit ends on the shift day: covered
    ("2025-03-08", [("90000001", "employer of record", False)]),  # ends the day before: not covered
])
def test_permit_boundary_on_a_shift(tmp_path, valid_to, expected):
    shifts = [{"shift_id": "S1", "worker_id": "W1", "employer_id": "90000001", "start_at": "2025-03-09T08:00:00+01:00",
               "end_at": "2025-03-09T16:00:00+01:00"}]
    slips = [{**SLIP, "period_start": "2025-03-09", "period_end": "2025-03-09", "hours_worked": "8",
              "gross_wage": "150"}]
    assert wav(audit(tmp_path, "UA", [permit(valid_to=valid_to)], shifts=shifts, slips=slips)) == expected


def test_permit_starting_the_day_after_the_shift(tmp_path):
    shifts = [{"shift_id": "S1", "worker_id": "W1", "employer_id": "90000001", "start_at": "2025-03-09 08:00",
               "end_at": "2025-03-09 16:00"}]
    slips = [{**SLIP, "period_start": "2025-03-09", "period_end": "2025-03-09", "hours_worked": "8",
              "gross_wage": "150"}]
    r = audit(tmp_path, "UA", [permit(valid_from="2025-03-10")], shifts=shifts, slips=slips)
    assert wav(r) == [("90000001", "employer of record", False)]


def test_partly_covered_pay_period_is_a_presumption(tmp_path):
    """The permit ends mid-week: the payslip does not show on which days the work was done."""
    r = audit(tmp_path, "UA", [permit(valid_to="2025-03-05")])
    [f] = [f for f in r.findings.to_pylist() if f["rule_id"] == "wav.no_permit"]
    assert f["presumption"] and f["period_start"] == dt.date(2025, 3, 6) and f["hours"] == Decimal("22.86")


def test_hirer_and_main_contractor_are_employers_too(tmp_path):
    """Case A4: whoever lets the work be done is an employer (art. 1 lid 1 onder b Wav)."""
    placements = [{"placement_id": "PL1", "worker_id": "W1", "uitlener_id": "90000001", "inlener_id": "90000002",
                   "start_date": "2025-03-01", "relation": "onderaanneming"}]
    assert wav(audit(tmp_path, "UA", placements=placements)) == [
        ("90000001", "employer of record", False), ("90000002", "main contractor", False)]


def test_twv_of_the_lender_covers_the_hirer(tmp_path):
    placements = [{"placement_id": "PL1", "worker_id": "W1", "uitlener_id": "90000001", "inlener_id": "90000002",
                   "start_date": "2025-03-01"}]
    assert wav(audit(tmp_path, "UA", [permit()], placements=placements)) == []


@pytest.mark.parametrize("notified,conditions,expected_wav,expected_wagweu", [
    ("2025-03-01", "true", 0, 0),  # notified in time, art. 4.6 BuWav conditions met: no permit needed
    ("2025-03-01", "false", 1, 0),  # conditions not met: illegal employment under the Wav
    (None, "true", 1, 1),  # not notified: no exemption, and a notification finding
    ("2025-03-05", "true", 1, 1),  # notified after the start
])
def test_posted_third_country_national(tmp_path, notified, conditions, expected_wav, expected_wagweu):
    postings = [{"posting_id": "D1", "worker_id": "W1", "employer_id": "90000001", "client_id": "90000002",
                 "start_date": "2025-03-03", "end_date": "2025-03-30", "notified_on": notified,
                 "third_country_national": "true", "tcn_conditions_met": conditions}]
    r = audit(tmp_path, "UA", postings=postings)
    rules = [f["rule_id"] for f in r.findings.to_pylist()]
    assert rules.count("wav.no_permit") == expected_wav
    assert rules.count("wagweu.no_notification") == expected_wagweu
    assert rules.count("wagweu.client_no_check") == expected_wagweu


def test_wagweu_fine_by_number_of_workers(tmp_path):
    """postedworkers.nl: not notifying a posting of 1–<10 workers: EUR 1,500; the client not checking: EUR 1,500."""
    postings = [{"posting_id": "D1", "worker_id": "W1", "employer_id": "90000001", "client_id": "90000002",
                 "start_date": "2025-03-03", "third_country_national": "false"}]
    r = audit(tmp_path, "PL", postings=postings)
    fines = {f["rule_id"]: f["amount"] for f in r.fines.to_pylist()}
    assert fines == {"wagweu.no_notification": Decimal("1500.00"), "wagweu.client_no_check": Decimal("1500.00")}


def test_wav_fine_2025_with_warning_and_recidivism(tmp_path):
    """Policy from 2025-02-01: norm EUR 6,000 for a legal person (secondary); +100% for an irrevocable prior Wav fine
    within 5 years (art. 19d lid 2 Wav); a warning instead of a fine needs a listed situation, a first offence and
    at most 5 foreign nationals (Stcrt. 2025, 3117 art. 1)."""
    r = audit(tmp_path / "a", "UA")
    [f] = r.fines.to_pylist()
    assert (f["norm_amount"], f["amount"]) == (Decimal("6000.00"), Decimal("6000.00"))
    prior = [{"violation_id": "V1", "employer_id": "90000001", "statute": "wav", "decision_date": "2022-05-01",
              "irrevocable_date": "2022-07-01"}]
    r = audit(tmp_path / "b", "UA", prior_violations=prior)
    [f] = r.fines.to_pylist()
    assert f["amount"] == Decimal("12000.00") and any("recidivism: +100%" in s["step"] for s in json.loads(f["steps"]))
    factors = [{"factor_id": "F1", "employer_id": "90000001", "rule_id": "wav.no_permit", "factor": "warning_situation",
                "value": "c_self_ended_and_reported_within_1_month"}]
    r = audit(tmp_path / "c", "UA", fine_factors=factors)
    [f] = r.fines.to_pylist()
    assert f["outcome"] == "warning" and f["amount"] == 0


def test_art23_claim_presumes_six_months(tmp_path):
    """Art. 23 Wav: at least 6 months presumed. One week recorded: 6 × 52/12 weeks × 40 h × EUR 14.06 (2025-01-01,
    age 21+) = EUR 14,622.40, minus EUR 700 paid."""
    r = audit(tmp_path, "UA")
    [c] = r.extra["art23_claims"].to_pylist()
    assert c["presumed_months"] == Decimal("6.00") and c["wage_due_floor"] == Decimal("14622.40")
    assert c["claim_floor"] == Decimal("13922.40")


KM = [("2024-01-01", "age_30_plus", "5331"), ("2025-01-01", "under_30", "4171"), ("2026-01-01", "reduced", "3122"),
      ("2024-03-01", "blue_card", "6245"), ("2024-07-01", "blue_card", "5331"), ("2025-01-01", "blue_card_reduced", "4551")]


@pytest.fixture(scope="module")
def criterion_audit(tmp_path_factory):
    """The cases of test_kennismigrant_salary_criterion_per_month audited together (an audit costs seconds, a case's
    records nothing): case i is worker W<i> with its permit, granted on the first day of its month (so the criterion
    of that month applies), and two payslips for its month, K<i>.P1 paid at the criterion and K<i>.P2 one cent
    less."""
    slips, workers, pms = [], [], []
    for i, (month, category, criterion) in enumerate(KM):
        start = dt.date.fromisoformat(month)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        workers.append({"worker_id": f"W{i}", "birth_date": "1990-05-05", "nationality": "IN"})
        slips += [{"payslip_id": f"K{i}.P1", "worker_id": f"W{i}", "period_start": start.isoformat(),
                   "period_end": end.isoformat(), "hours_worked": "160", "gross_wage": criterion,
                   "holiday_allowance": "500"},
                  {"payslip_id": f"K{i}.P2", "worker_id": f"W{i}", "period_start": start.isoformat(),
                   "period_end": end.isoformat(), "hours_worked": "160",
                   "gross_wage": str(Decimal(criterion) - Decimal("0.01")), "holiday_allowance": "500",
                   "employer_id": "90000001"}]
        pms.append(permit(permit_id=f"M{i}", worker_id=f"W{i}",
                          permit_type="kennismigrant" if "blue" not in category else "eu_blue_card",
                          salary_category=category, valid_from=month, valid_to="2026-12-31"))
    return audit(tmp_path_factory.mktemp("criterion"), permits=pms, slips=slips, workers=workers)


@pytest.mark.parametrize("month,category,criterion", KM)
def test_kennismigrant_salary_criterion_per_month(criterion_audit, month, category, criterion):
    """IND criteria (EUR/month excl. holiday allowance): 2024 30+ 5,331; 2025 <30 4,171 (also Rijksoverheid
    2025-07-04); 2026 reduced 3,122; Blue Card 6,245 until 2024-06-11 and 5,331 from 2024-06-12; 2025 reduced Blue
    Card 4,551. A calendar month paid at the criterion is fine; one cent less is a finding."""
    i = KM.index((month, category, criterion))
    f = [x for x in criterion_audit.findings.to_pylist()
         if x["rule_id"] == "kennismigrant.salary_below_criterion" and x["_worker_id"] == f"W{i}"]
    assert [(x["payslip_id"], x["threshold"], x["shortfall"]) for x in f] == [
        (f"K{i}.P2", Decimal(criterion), Decimal("0.01"))]


def _km_audit(folder, permits, slips):
    workers = sorted({s["worker_id"] for s in slips})
    return audit(folder, permits=permits, slips=slips,
                 workers=[{"worker_id": w, "birth_date": "1998-05-05", "nationality": "IN"} for w in workers])


def _month(worker, ym, gross, pid=None):
    start = dt.date.fromisoformat(ym + "-01")
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return {"payslip_id": pid or f"{worker}.{ym}", "worker_id": worker, "period_start": start.isoformat(),
            "period_end": end.isoformat(), "hours_worked": "160", "gross_wage": gross, "holiday_allowance": "300"}


def _km_findings(r):
    return sorted((f["payslip_id"], f["threshold"]) for f in r.findings.to_pylist()
                  if f["rule_id"] == "kennismigrant.salary_below_criterion")


@pytest.fixture(scope="module")
def indexation_audit(tmp_path_factory):
    """Under-30 kennismigrant criterion: EUR 4,171 in 2025, 4,357 from 2026-01-01 (salariscriterium.yaml).
    W1: permit granted 2025-03-01, paid 4,171.00 (P1) and 4,170.99 (P2) in January 2026.
    W2: permit granted 2026-02-01 (after the indexation), paid 4,171.00 in February 2026.
    W3: permit valid from 2026-01-05, application received 2025-12-15 (criterion_date), paid 4,171.00 in Jan 2026.
    W4: EU Blue Card granted 2024-03-01 (criterion 6,245), paid 5,331.00 / 5,330.99 in July 2024 (criterion 5,331
    from 2024-06-12, Stb. 2024, 150).
    W5: permit granted 2019-06-01 (before the first stored criterion, 2020-01-01), paid in December 2019 and
    January 2020."""
    permits = [
        permit(permit_id="M1", worker_id="W1", permit_type="kennismigrant", salary_category="under_30",
               valid_from="2025-03-01", valid_to="2027-02-28"),
        permit(permit_id="M2", worker_id="W2", permit_type="kennismigrant", salary_category="under_30",
               valid_from="2026-02-01", valid_to="2028-01-31"),
        permit(permit_id="M3", worker_id="W3", permit_type="kennismigrant", salary_category="under_30",
               valid_from="2026-01-05", valid_to="2028-01-04", criterion_date="2025-12-15"),
        permit(permit_id="M4", worker_id="W4", permit_type="eu_blue_card", salary_category="blue_card",
               valid_from="2024-03-01", valid_to="2026-02-28"),
        permit(permit_id="M5", worker_id="W5", permit_type="kennismigrant", salary_category="age_30_plus",
               valid_from="2019-06-01", valid_to="2021-05-31"),
    ]
    slips = [_month("W1", "2026-01", "4171.00", "W1.P1"), _month("W1", "2026-01", "4170.99", "W1.P2"),
             _month("W2", "2026-02", "4171.00"), _month("W3", "2026-01", "4171.00"),
             _month("W4", "2024-07", "5331.00", "W4.P1"), _month("W4", "2024-07", "5330.99", "W4.P2"),
             _month("W5", "2019-12", "9000.00"), _month("W5", "2020-01", "4000.00")]
    return _km_audit(tmp_path_factory.mktemp("km_index"), permits, slips)


def test_kennismigrant_indexation_does_not_reopen_a_permit_granted(indexation_audit):
    """IND (secondary copies): the salary is tested against the criterion in force when the application is received;
    on extension the most recent criterion on the effective date of the extension applies (global-r-compass.nl,
    'IND: most recent wage criterion applies when extending residence permit'); on a change of employer the one
    current on the date of the report (IND table 'Which amount applies to my highly skilled migrant'); the yearly
    indexation "does not affect existing residence permits" (maeslaw.nl 2023). So a 2025 permit paid the 2025
    criterion (4,171) in January 2026 is lawful; one cent less is a finding against 4,171, not 4,357."""
    f = [x for x in _km_findings(indexation_audit) if x[0].startswith("W1")]
    assert f == [("W1.P2", Decimal("4171.00"))]


def test_kennismigrant_permit_granted_after_indexation_uses_the_new_criterion(indexation_audit):
    """A permit granted on 2026-02-01 was tested against the 2026 criterion: 4,171 is below 4,357."""
    assert [x for x in _km_findings(indexation_audit) if x[0].startswith("W2")] == [("W2.2026-02", Decimal("4357.00"))]


def test_kennismigrant_criterion_date_column_gives_the_application_date(indexation_audit):
    """An application received 2025-12-15 was tested against the 2025 criterion, although the permit starts in
    January 2026."""
    assert [x for x in _km_findings(indexation_audit) if x[0].startswith("W3")] == []


def test_blue_card_lowered_by_law_applies_to_permits_granted_before(indexation_audit):
    """Stb. 2024, 150 (Richtlijn (EU) 2021/1883) cut the Blue Card criterion from 6,245 to 5,331 from 2024-06-12:
    a card granted under 6,245 and paid 5,331 in July 2024 meets the law in force; 5,330.99 does not."""
    f = indexation_audit.findings.to_pylist()
    w4 = [x for x in f if x["rule_id"] == "kennismigrant.salary_below_criterion" and x["_worker_id"] == "W4"]
    assert [(x["payslip_id"], x["threshold"]) for x in w4] == [("W4.P2", Decimal("5331.00"))]
    assert "lower than that of the permit's criterion date 2024-03-01" in w4[0]["detail"]


def test_kennismigrant_period_without_criterion_is_reported_not_skipped(indexation_audit):
    """The first stored criterion is 2020-01-01 (salariscriterium.yaml): a permit granted 2019-06-01 cannot be
    compared, for its 2019 and its 2020 pay periods alike (its criterion date has no stored criterion). Both are
    named as not evaluated, with the reason; no finding is made up (EUR 4,000 in January 2020 is below the 2020
    criterion of 4,612, but the 2019 criterion that applied to this permit is not stored)."""
    assert [x for x in _km_findings(indexation_audit) if x[0].startswith("W5")] == []
    notes = [n for n in indexation_audit.notes if n.startswith("Kennismigrant")]
    assert len(notes) == 1
    assert "2 pay period(s) not evaluated" in notes[0]
    assert "criterion date is before the first stored criterion (2020-01-01)" in notes[0]


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.dates(dt.date(2022, 1, 1), dt.date(2026, 5, 1)), st.integers(1, 200),
                          st.integers(0, 199), st.integers(0, 100000)), min_size=6, max_size=6))
def test_properties(tmp_path_factory, cases):
    """A valid permit never yields a Wav finding for its dates and employer; paying more never creates a
    salary-criterion finding. Each case is a worker of its own (permit, payslip), six in one audit (an audit costs
    seconds, a case's records nothing): 6 random cases after the minimal example (before: 5, in 5 audits)."""
    folder = tmp_path_factory.mktemp("prop")
    slips, workers, pm = [], [], []
    for i, (start, length, work_offset, raise_pay) in enumerate(cases, 1):
        end = start + dt.timedelta(days=length - 1)
        day = start + dt.timedelta(days=work_offset % length)
        workers.append({"worker_id": f"W{i}", "birth_date": "1990-05-05", "nationality": "IN"})
        slips.append({"worker_id": f"W{i}", "period_start": day.isoformat(), "period_end": day.isoformat(),
                      "hours_worked": "8", "gross_wage": str(Decimal(6000) + Decimal(raise_pay) / 100),
                      "holiday_allowance": "1000"})
        pm.append(permit(permit_id=f"M{i}", worker_id=f"W{i}", permit_type="kennismigrant",
                         salary_category="age_30_plus", valid_from=start.isoformat(), valid_to=end.isoformat()))
    r = audit(folder, "IN", pm, slips=slips, workers=workers)
    assert not r.findings.num_rows, (cases, r.findings.to_pylist())


# ---- work permits by the hour (issue 10, item 4) ---------------------------------------------------------------------
# Art. 2 lid 1 Wav (https://wetten.overheid.nl/BWBR0007149): an employer may not let a foreign national work in the
# Netherlands without a work permit (TWV/GVVA). Where shift records exist, coverage is decided per hour worked: a
# permit's valid_to is inclusive through 23:59:59 of that day, Europe/Amsterdam (docs/rules.md, Wav).

def night_shift(start="2025-06-30 22:00", end="2025-07-01 06:00", shift_id="S1", **kw):
    return {"shift_id": shift_id, "worker_id": "W1", "employer_id": "90000001", "start_at": start, "end_at": end,
            **kw}


JUNE_SLIP = {**SLIP, "period_start": "2025-06-30", "period_end": "2025-07-06", "hours_worked": "8",
             "gross_wage": "120"}


def no_permit_findings(result):
    return [f for f in result.findings.to_pylist() if f["rule_id"] == "wav.no_permit"]


def test_night_shift_past_the_permit_end_is_six_established_hours(tmp_path):
    """Art. 2 lid 1 Wav: a shift from 30 June 22:00 to 1 July 06:00 under a TWV ending 30 June is 6 hours of work
    without a permit (00:00-06:00 on 1 July), proven by the shift: an established finding, with the shift as
    evidence, and the fine per illegally employed foreign national follows from it (norm EUR 6,000 for a legal person,
    policy from 2025-02-01, Stcrt. 2025, 3117; violation date 1 July). Before: no finding (the shift counted only on
    its start day, 30 June, which the permit covers)."""
    r = audit(tmp_path, "UA", [permit(valid_to="2025-06-30")], shifts=[night_shift()], slips=[JUNE_SLIP])
    [f] = no_permit_findings(r)
    assert (f["hours"], f["presumption"], f["period_start"], f["period_end"]) == (
        Decimal("6.00"), False, dt.date(2025, 7, 1), dt.date(2025, 7, 1))
    assert f["evidence"] == "shifts row 2" and "6.00 hour(s)" in f["explanation"]
    [fine] = [x for x in r.fines.to_pylist() if x["rule_id"] == "wav.no_permit"]
    assert (fine["amount"], fine["violation_date"]) == (Decimal("6000.00"), dt.date(2025, 7, 1))
    assert "6.00 hour(s) of work without a permit" in json.loads(fine["steps"])[0]["note"]


def test_night_shift_with_an_offset_is_the_same_local_time(tmp_path):
    """The same shift with explicit UTC offsets (summer time, +02:00): 6 h on 1 July, local time."""
    shift = night_shift("2025-06-30T22:00:00+02:00", "2025-07-01T06:00:00+02:00")
    r = audit(tmp_path, "UA", [permit(valid_to="2025-06-30")], shifts=[shift], slips=[JUNE_SLIP])
    [f] = no_permit_findings(r)
    assert (f["hours"], f["presumption"]) == (Decimal("6.00"), False)


def test_night_shift_inside_the_permit_is_lawful(tmp_path):
    """Lawful twin: the same shift under a TWV valid through 1 July: every hour is covered, no finding."""
    r = audit(tmp_path, "UA", [permit(valid_to="2025-07-01")], shifts=[night_shift()], slips=[JUNE_SLIP])
    assert no_permit_findings(r) == []


def test_break_is_taken_to_fall_in_the_uncovered_hours(tmp_path):
    """Breaks are not timed in the records: the proven hours without a permit are the uncovered part less the whole
    break (a lower bound): 6 h − 0.5 h = 5.5 h. A break as long as the uncovered part leaves no proof, only a
    presumption (the 2 h of work may all have been done on 30 June)."""
    r = audit(tmp_path / "a", "UA", [permit(valid_to="2025-06-30")], shifts=[night_shift(break_minutes="30")],
              slips=[JUNE_SLIP])
    [f] = no_permit_findings(r)
    assert (f["hours"], f["presumption"]) == (Decimal("5.50"), False)
    r = audit(tmp_path / "b", "UA", [permit(valid_to="2025-06-30")], shifts=[night_shift(break_minutes="360")],
              slips=[JUNE_SLIP])
    [f] = no_permit_findings(r)
    assert (f["hours"], f["presumption"]) == (Decimal("2.00"), True)


def test_shift_starting_before_the_permit_starts(tmp_path):
    """Art. 2 lid 1 Wav: a TWV valid from 1 July does not cover the 2 hours of the night shift on 30 June
    (22:00-24:00): 2 established hours; the hours from 00:00 on 1 July are covered."""
    r = audit(tmp_path, "UA", [permit(valid_from="2025-07-01")], shifts=[night_shift()], slips=[JUNE_SLIP])
    [f] = no_permit_findings(r)
    assert (f["hours"], f["presumption"], f["period_start"], f["period_end"]) == (
        Decimal("2.00"), False, dt.date(2025, 6, 30), dt.date(2025, 6, 30))


def test_shift_across_the_daylight_saving_change(tmp_path):
    """Worked time counts real hours: 25 Oct 2025 22:00 to 26 Oct 06:00 local is 9 hours (the clock goes back at
    03:00); with a TWV ending 25 October, 26 October 00:00-06:00 is 7 hours without a permit."""
    shift = night_shift("2025-10-25T22:00:00+02:00", "2025-10-26T06:00:00+01:00")
    slip = {**SLIP, "period_start": "2025-10-20", "period_end": "2025-10-26", "hours_worked": "9",
            "gross_wage": "140"}
    r = audit(tmp_path, "UA", [permit(valid_to="2025-10-25")], shifts=[shift], slips=[slip])
    [f] = no_permit_findings(r)
    assert (f["hours"], f["presumption"]) == (Decimal("7.00"), False)


def test_shifts_decide_the_pay_period_they_fall_in(tmp_path):
    """Where shifts exist for the worker and period, the pay period does not decide: a TWV ending 2 July, a week's
    payslip (30 June - 6 July, 8 h) and one shift on 30 June: no finding (before: a presumed finding for 3-6 July
    from the pay period). A pay period of the same worker without shifts is still decided by its days."""
    later = {**JUNE_SLIP, "period_start": "2025-07-07", "period_end": "2025-07-13"}
    shift = night_shift("2025-06-30 08:00", "2025-06-30 16:00")
    r = audit(tmp_path, "UA", [permit(valid_to="2025-07-02")], shifts=[shift], slips=[JUNE_SLIP, later])
    [f] = no_permit_findings(r)
    assert (f["period_start"], f["period_end"], f["hours"], f["presumption"], f["evidence"]) == (
        dt.date(2025, 7, 7), dt.date(2025, 7, 13), Decimal("8.00"), False, "payslips row 3")


def test_without_shifts_pay_periods_decide_pro_rata_presumed(tmp_path):
    """No shifts: the pay period decides as before. A TWV ending Wednesday 5 March 2025 and a week's payslip (3-9
    March, 40 h): 4 of 7 days uncovered, presumed (the records do not show on which days the work was done), hours
    pro rata: 40 × 4/7 = 22.857… → 22.86 h. A wholly uncovered week is established with its 40 h."""
    r = audit(tmp_path / "a", "UA", [permit(valid_to="2025-03-05")])
    [f] = no_permit_findings(r)
    assert (f["presumption"], f["period_start"], f["hours"]) == (True, dt.date(2025, 3, 6), Decimal("22.86"))
    r = audit(tmp_path / "b", "UA", [permit(valid_to="2025-03-02")])
    [f] = no_permit_findings(r)
    assert (f["presumption"], f["period_start"], f["hours"]) == (False, dt.date(2025, 3, 3), Decimal("40.00"))


def test_overlapping_shift_records_count_each_hour_once(tmp_path):
    """Two records of the same night shift (an input error the Atw rules reject) still prove the work, but each hour
    once: 6 hours without a permit on 1 July, not 12; the second record lies inside the first and adds nothing."""
    shifts = [night_shift(), night_shift("2025-06-30 23:00", "2025-07-01 06:00", shift_id="S2")]
    r = audit(tmp_path, "UA", [permit(valid_to="2025-06-30")], shifts=shifts, slips=[JUNE_SLIP])
    [f] = no_permit_findings(r)
    assert (f["hours"], f["presumption"], f["evidence"]) == (Decimal("6.00"), False, "shifts row 2")
