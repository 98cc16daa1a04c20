"""Dated legal parameters: every value is sourced and typed, and the official amounts are reproduced exactly.

Sources of the asserted amounts are named per test; the parameter files carry their own source per value.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pytest

from eerlijkwerk.params import Confidence, ParameterError, Status, load_parameter

D = dt.date
CENT = Decimal("0.01")


def test_every_value_has_source_status_confidence(params):
    for p in params:
        assert p.legal_basis.get("statute") and p.unit and p.description, p.id
        for e in p.values:
            assert isinstance(e.status, Status) and isinstance(e.confidence, Confidence)
            assert e.source.strip(), f"{p.id} {e.valid_from}: no source"
            assert e.url.startswith("http"), f"{p.id} {e.valid_from}: no source URL"


def test_floats_are_refused(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("id: t.x\ndescription: d\nunit: EUR\nlegal_basis: {statute: T}\nvalues:\n"
                 "  2024-01-01: {value: 13.27, status: in_force, confidence: confirmed, source: s}\n")
    with pytest.raises(ParameterError, match="quoted string"):
        load_parameter(f)


@pytest.mark.parametrize("date,amount", [
    (D(2024, 1, 1), "13.27"), (D(2024, 7, 1), "13.68"),
    (D(2025, 1, 1), "14.06"),  # SVB, bedragen minimumlonen vanaf 1 januari 2025
    (D(2025, 7, 1), "14.40"),  # Stcrt. 2025, 12264; Rijksoverheid consultation page 2025-12-04
    (D(2026, 1, 1), "14.71"),
])
def test_hourly_minimum_wage_21_plus(params, date, amount):
    assert params.value_at("wml.minimumloon_uur", date)[21] == Decimal(amount)


def test_youth_hourly_2025_07(params):
    """Rijksoverheid, internetconsultatie verhoging minimumjeugdloon 2027 (2025-12-04), table 'Huidig bedrag'."""
    expected = {21: "14.40", 20: "11.52", 19: "8.64", 18: "7.20", 17: "5.69", 16: "4.97", 15: "4.32"}
    assert params.value_at("wml.minimumloon_uur", D(2025, 9, 1)) == {k: Decimal(v) for k, v in expected.items()}


def test_weekly_amounts_2023_and_end_of_weekly_amounts(params):
    """Stb. 2022, 381: from 2023-01-01 EUR 1,934.40 a month, 446.40 a week, 89.28 a day (21+). Since 2024-01-01 the
    WML has only an hourly amount: the weekly/monthly/daily timelines end (value null)."""
    assert params.value_at("wml.minimumloon_maand", D(2023, 1, 1))[21] == Decimal("1934.40")
    assert params.value_at("wml.minimumloon_week", D(2023, 1, 1))[21] == Decimal("446.40")
    assert params.value_at("wml.minimumloon_dag", D(2023, 1, 1))[21] == Decimal("89.28")
    for pid in ("wml.minimumloon_week", "wml.minimumloon_maand", "wml.minimumloon_dag"):
        assert params.at(pid, D(2024, 1, 1)) is None
    assert params.at("wml.minimumloon_uur", D(2023, 12, 31)) is None


def test_first_hourly_amount_from_referentiemaandloon(params):
    """2024-01-01: the first hourly minimum = RML ÷ (4⅓ × 36) rounded up to the cent: 2,069.40 / 156 = 13.2654 → 13.27."""
    rml = params.value_at("wml.referentiemaandloon", D(2024, 1, 1))
    assert (rml / Decimal(156)).quantize(CENT, ROUND_CEILING) == params.value_at("wml.minimumloon_uur", D(2024, 1, 1))[21]


def _indexation_dates(params):
    return [iv.valid_from for iv in params.timeline("wml.indexatie")]


def test_rounding_in_indexation_form_where_it_holds(params):
    """ERRATA (art. 14(1) WML, Regeling indexatie wettelijk minimumloon): new hourly = previous hourly × (1 + pct),
    rounded up to the cent. 2025-01-01: 13.68 × 1.0275 = 14.0562 → 14.06 (Regeling nr. 2024-0000675332). This short
    form is not the legal one (art. 14 lid 9-11 index the unrounded amount, next test): with the unrounded 2.159% of
    2026-01-01 it gives 14.40 × 1.02159 = 14.7109 → 14.72, official 14.71."""
    date = D(2025, 1, 1)
    prev = params.value_at("wml.minimumloon_uur", date - dt.timedelta(days=1))[21]
    pct = params.value_at("wml.indexatie", date)
    assert (prev * (1 + pct / 100)).quantize(CENT, ROUND_CEILING) == params.value_at("wml.minimumloon_uur", date)[21]


def test_rounding_on_the_unrounded_chain_reproduces_every_official_amount(params):
    """Art. 14 lid 9-11 WML (BWBR0002638, version 2026-07-01): the revised monthly amount is rounded to a multiple of
    EUR 0.60 (lid 9), the hourly amount is A / (4⅓ × 36) rounded up to the cent (lid 10), and the rounding of lid 9 is
    disregarded at the next revision (lid 11). So each revision indexes the unrounded amount, starting from RML
    2,069.40 / 156 on 2024-01-01. With the percentages as the regelingen compute them (unrounded where given: 2.159%
    on 2026-01-01, 1.854% on 2026-07-01) this reproduces every official hourly amount (21+) and every
    referentiemaandloon through 2026-07-01 (14.99 and 2,337.00, Stcrt. 2026, 16505). The official values are never
    adjusted to fit."""
    exact = params.value_at("wml.referentiemaandloon", D(2024, 1, 1)) / Decimal(156)
    dates = _indexation_dates(params)
    assert D(2026, 7, 1) in dates
    for date in dates:
        exact = exact * (1 + params.value_at("wml.indexatie", date) / 100)
        assert exact.quantize(CENT, ROUND_CEILING) == params.value_at("wml.minimumloon_uur", date)[21], date
        rml = (exact * 156 / Decimal("0.60")).quantize(Decimal(1), ROUND_HALF_UP) * Decimal("0.60")
        assert rml == params.value_at("wml.referentiemaandloon", date), date


def test_indexation_percentages_are_stored_unrounded():
    """Regeling indexatie WML per 1 januari 2026 (nr. 2025-0000213859): 0.5 × 4.056% + 0.131% = 2.159%, published
    rounded as 2.15%; per 1 juli 2026 (Stcrt. 2026, 16505, toelichting): 1.854%, published as 1.85%. With the rounded
    2.15% the art. 14 chain gives 14.98 on 2026-07-01 instead of the official 14.99."""
    chain = Decimal("2069.40") / Decimal(156)
    for pct in ("3.09", "2.75", "2.46", "2.15", "1.854"):
        chain = chain * (1 + Decimal(pct) / 100)
    assert chain.quantize(CENT, ROUND_CEILING) == Decimal("14.98")  # why the rounded percentage is wrong


def test_stored_indexation_values(params):
    assert params.value_at("wml.indexatie", D(2026, 1, 1)) == Decimal("2.159")
    assert params.value_at("wml.indexatie", D(2026, 7, 1)) == Decimal("1.854")


@pytest.mark.parametrize("date,expected", [
    (D(2026, 6, 30), {20: "9.05", 19: "7.72", 18: "6.69"}),
    (D(2026, 7, 1), {20: "9.22", 19: "7.87", 18: "6.82"}),  # Stcrt. 2026, 16505 toelichting (bbl); Besluit mjl art. 3
])
def test_bbl_hourly_amounts_from_2026_07(params, date, expected):
    """Besluit minimumjeugdloon art. 3 lid 1 (BWBR0003599): bbl 20 / 19 / 18 years = 61½ / 52½ / 45½ % of the adult
    hourly amount, rounded to the cent half-up from EUR 0.005 (art. 3 lid 2 jo. art. 2 lid 2). From 2026-07-01:
    14.99 × 0.615 = 9.21885 → 9.22, × 0.525 = 7.86975 → 7.87, × 0.455 = 6.82045 → 6.82. Before this value existed the
    January 2026 amounts kept applying after 2026-06-30."""
    got = params.value_at("wml.minimumloon_uur_bbl", date)
    assert got == {k: Decimal(v) for k, v in expected.items()}
    adult = params.value_at("wml.minimumloon_uur", date)[21]
    for age, pct in ((20, "61.5"), (19, "52.5"), (18, "45.5")):
        assert (adult * Decimal(pct) / 100).quantize(CENT, ROUND_HALF_UP) == got[age]


def test_2026_07_value_is_flagged_secondary(params):
    """EUR 14.99 from 2026-07-01 (Stcrt. 2026, 16505) is known from copies of the regeling (MinBZK regelrecht-corpus,
    caowijs), not from the Staatscourant text itself: secondary, so findings on it are flagged, never 'confirmed'."""
    entry = params.at("wml.minimumloon_uur", D(2026, 7, 1))
    assert entry is not None and entry.value[21] == Decimal("14.99") and entry.confidence is Confidence.SECONDARY


def test_cancelled_housing_phase_out_is_marked_cancelled_and_never_applies_by_default(params):
    """The housing-deduction phase-out (Kamerbrief 29861-156: 20/15/10/5/0 % from 2026 to 2030) was cancelled by
    the cabinet on 2025-10-30 (rijksoverheid.nl 2025-10-30); Besluit WML art. 2a keeps 25 %. The plan's rows are
    status cancelled (not proposed) and apply neither by default nor under a blanket use of proposed values."""
    rows = [e for e in params["wml.huisvesting_max_inhouding"].values if e.valid_from.year >= 2026]
    assert [e.valid_from.year for e in rows] == [2026, 2027, 2028, 2029, 2030]
    assert all(e.status is Status.CANCELLED for e in rows)
    for year in range(2026, 2031):
        assert params.value_at("wml.huisvesting_max_inhouding", D(year, 6, 1)) == Decimal("25")
    proposals = params.with_overrides({}, params.statuses | {Status.PROPOSED})
    assert proposals.value_at("wml.huisvesting_max_inhouding", D(2027, 6, 1)) == Decimal("25")
    named = params.with_overrides({}, params.statuses, cancelled_for=frozenset({"wml.huisvesting_max_inhouding"}))
    assert named.value_at("wml.huisvesting_max_inhouding", D(2027, 6, 1)) == Decimal("15")
    with pytest.raises(ParameterError, match="use_cancelled_values"):
        params.with_overrides({}, params.statuses, cancelled_for=frozenset({"wml.no_such"}))


def test_loader_accepts_cancelled_status(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("id: t.x\ndescription: d\nunit: EUR\nlegal_basis: {statute: T}\nvalues:\n"
                 "  2024-01-01: {value: '1', status: in_force, confidence: confirmed, source: s}\n"
                 "  2025-01-01: {value: '2', status: cancelled, confidence: confirmed, source: s}\n")
    p = load_parameter(f)
    assert p.values[1].status is Status.CANCELLED
    assert p.value_at(D(2025, 6, 1)) == Decimal("1")


def test_holiday_allowance_and_health_insurance_caps(params):
    """8% minimum holiday allowance (art. 15 WML); health-insurance deduction cap 2024 EUR 1,971.20 (Rijksoverheid)."""
    assert params.value_at("wml.vakantiebijslag_percentage", D(2025, 5, 1)) == Decimal("8")
    assert params.value_at("wml.zorgverzekering_max_inhouding", D(2024, 6, 1)) == Decimal("1971.20")


def test_wml_fine_table(params):
    """Beleidsregel boeteoplegging WML (BWBR0041512, art. 2; consolidated version 2022-01-01): the table of fines
    per underpaid employee, underpayment % × duration, and the EUR 500 row below EUR 50."""
    t = params.value_at("wml.boete_onderbetaling", D(2022, 6, 1))
    assert t["amounts"] == [[Decimal(x) for x in row] for row in (
        ["500", "750", "1000", "1250"], ["750", "1000", "1250", "2000"], ["1250", "2000", "3000", "4500"],
        ["2000", "3000", "4500", "7000"], ["3000", "4500", "7000", "10000"])]
    assert t["minimum_underpayment_row"] == {"below_eur": Decimal("50"), "amount": Decimal("500")}


@pytest.mark.parametrize("date,amount", [
    (D(2015, 12, 31), "81000"),  # Stb. 2015, 420 art. I: the amount replaced on 2016-01-01
    (D(2016, 1, 1), "82000"),    # Stb. 2015, 420 art. I-II: EUR 82.000 from 1 januari 2016
    (D(2017, 12, 31), "82000"),
    (D(2018, 1, 1), "83000"),    # Stb. 2017, 433 art. I-II: EUR 83.000 from 1 januari 2018
    (D(2019, 12, 31), "83000"),
])
def test_wav_statutory_maximum_fine_category_5(params, date, amount):
    """Art. 19d lid 1 Wav: at most the fine of category 5 of Sr art. 23 lid 4, as indexed by the two-yearly AMvB of
    art. 23 lid 9 Sr (Stb. 2015, 420; Stb. 2017, 433)."""
    entry = params.at("wav.boete_maximum", date)
    assert entry.value == {"category": Decimal(5), "amount_eur": Decimal(amount)}
    if date.year >= 2016:
        assert entry.confidence is Confidence.CONFIRMED and "officielebekendmakingen.nl/stb-201" in entry.url


def test_wav_statutory_maximum_unknown_from_2020_is_unconfirmed_not_carried_forward(params):
    """2020-2026: no AMvB under art. 23 lid 9 Sr was found, so the amount is unknown (null) and marked unconfirmed;
    the 2018 amount must not silently keep applying."""
    for year in (2020, 2022, 2024, 2026):
        entry = params.at("wav.boete_maximum", D(year, 6, 1))
        assert entry.value["amount_eur"] is None and entry.confidence is Confidence.UNCONFIRMED


@pytest.mark.parametrize("date,bands,confidence", [
    # Beleidsregels boeteoplegging Waadi 2014 (Stcrt. 2014, 5048), tarieflijst, retroactive to 2012-07-01; still the
    # policy for fines of 2015/2016: CRvB 24-01-2018, ECLI:NL:CRVB:2018:370 (EUR 12,000 decided 28-09-2015)
    (D(2015, 9, 28), ("12000", "24000", "48000"), Confidence.CONFIRMED),
    (D(2016, 6, 1), ("12000", "24000", "48000"), Confidence.CONFIRMED),
    # from CRvB 2018:370 the norm for the lowest band is 8,000; the policy text adopting 8/16/32k was not found
    (D(2018, 1, 24), ("8000", "16000", "32000"), Confidence.UNCONFIRMED),
    # case D2 (ECLI:NL:RBZWB:2020:6545/6546): violation 12-03-2019 fined on the 8,000 band
    (D(2019, 3, 12), ("8000", "16000", "32000"), Confidence.SECONDARY),
])
def test_waadi_registration_fine_tiers_by_date(params, date, bands, confidence):
    entry = params.at("waadi.boete_registratie", date)
    assert tuple(str(b["amount"]) for b in entry.value["bands"]) == bands
    assert entry.confidence is confidence
