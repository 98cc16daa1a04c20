"""Which inspector's factors (table ``fine_factors``) each statute's fine policy knows, and why the others are refused.

Pure data, read by the input check (records/schema.py: a row whose factor the policy of its rule does not know is
rejected on input, with the file, the row, the rule and the reason) and by the fine policies (engine/fines.py,
law/*/fines.py, law/wml/fines_sql.py: every accepted row is applied as a named step of the fine). docs/fine-factors.md
gives the table for a reader, with the policy text of each factor.

Two scopes (column ``scope``):

- ``fine`` (default): the row applies to the fines of one rule (``rule_id``, e.g. ``atw.daily_rest``) of one employer,
  optionally one worker (``worker_id``);
- ``decision``: the row applies to the total of a fine decision (boetebeschikking) of one employer: ``rule_id`` is a
  statute code (``atw``: the total of that employer's Atw fines) or ``*`` (the total of every fine of that employer in
  the audit, e.g. a cut for the cumulation, samenloop, of fines under several statutes on one inspection). Decision
  factors are applied after every per-fine step, as their own row in the fines output.
"""

from __future__ import annotations

#: rules that get a fine, per statute code (the fine modules price exactly these; tests/test_fine_factors.py checks it)
FINED_RULES: dict[str, tuple[str, ...]] = {
    "wml": ("wml.underpayment", "wml.holiday_allowance", "wml.cash_payment", "wml.records_missing"),
    "wav": ("wav.no_permit",),
    "waadi": ("waadi.unregistered_lender", "waadi.hirer_unregistered_lender"),
    "wtta": ("wtta.not_admitted_lender", "wtta.hirer_not_admitted_lender"),
    "wagweu": ("wagweu.no_notification", "wagweu.client_no_check"),
    "arbowet": ("arbowet.accident_not_reported", "arbowet.accident_cause"),
    "atw": ("atw.shift_too_long", "atw.week_too_long", "atw.average_16_weeks", "atw.average_4_weeks", "atw.daily_rest",
            "atw.weekly_rest", "atw.break", "atw.night_shift_too_long", "atw.night_average_16_weeks",
            "atw.rest_after_night_shift", "atw.rest_after_night_series", "atw.consecutive_shifts_with_night",
            "atw.late_night_shifts", "atw.records_missing"),
}
ALL_FINED: tuple[str, ...] = tuple(r for rules in FINED_RULES.values() for r in rules)
#: findings priced inside another rule's fine: a factor is given on that rule
PRICED_IN = {"wml.housing_deduction": "wml.underpayment", "wml.health_insurance_deduction": "wml.underpayment",
             "wml.other_deduction": "wml.underpayment"}
#: fines of one employer, not one per worker: a worker_id on their factor rows would match nothing
EMPLOYER_FINES = ("waadi.unregistered_lender", "waadi.hirer_unregistered_lender", "wtta.not_admitted_lender",
                  "wtta.hirer_not_admitted_lender", "wagweu.no_notification", "atw.records_missing")

#: factors of general administrative law, known to every fine (art. 5:46 lid 2 Awb: the fine is proportionate to the
#: seriousness, the culpability and the circumstances — incl. the capacity to pay; art. 6 lid 1 EVRM: the reasonable
#: time). They are inputs decided by the inspector or a court (percent off), applied in this order after the policy's
#: own steps.
GENERAL = ("moderation_percent", "financial_capacity_percent", "reasonable_time_percent")
GENERAL_SOURCE = {
    "moderation_percent": "art. 5:46 lid 2 Awb (evenredigheid; BWBR0005537)",
    "financial_capacity_percent": "art. 5:46 lid 2 Awb (draagkracht; BWBR0005537)",
    "reasonable_time_percent": "art. 6 lid 1 EVRM (redelijke termijn)",
}

#: factor -> the rules whose policy knows it (besides GENERAL), with the policy text
POLICY: dict[str, tuple[tuple[str, ...], str]] = {
    "culpability": (FINED_RULES["wav"] + FINED_RULES["waadi"],
                    "Wav: Beleidsregel boeteoplegging Wav 2015 art. 10 (BWBR0036789) and ABRS 13-7-2022 "
                    "(ECLI:NL:RVS:2022:1973) scale; Waadi: Beleidsregels boeteoplegging Waadi 2014 art. 6 (BWBR0034835)"),
    "aggravation": (FINED_RULES["wav"] + FINED_RULES["arbowet"],
                    "Wav: boete_verzwaring (tarieflijst); Arbowet: Arbo-beleidsregel (BWBR0032326) accident grade / "
                    "no longer investigable"),
    "warning_situation": (FINED_RULES["wav"] + FINED_RULES["atw"],
                          "Wav: warning instead of a fine (Stcrt. 2025, 3117); Atw: Beleidsregel Atw 2013 "
                          "(BWBR0032353) art. 1 lid 2 and bijlage 2"),
    "shorter_employment_proven": (("wml.records_missing",),
                                  "Beleidsregel WML 2013 art. 1 lid 3 (BWBR0032393); 2018 (BWBR0041512) per Rb. "
                                  "Amsterdam ECLI:NL:RBAMS:2020:5465"),
}
#: the values a factor may take for the rules of one statute (where the policy fixes them)
VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("atw", "warning_situation"): ("earlier_warning_not_complied", "inspection_not_hindered"),
}

#: why a factor is refused for a statute (reason of the input rejection)
REFUSED_WHY: dict[tuple[str, str], str] = {
    ("culpability", "wml"): "the WML fine policy (BWBR0041512) has no culpability scale; reduced culpability "
                            "(art. 5:46 lid 2 Awb) is given as moderation_percent with its reason",
    ("culpability", "wtta"): "no Wtta fine policy is set; nothing to grade",
    ("culpability", "wagweu"): "the WagwEU policy's 25/50/75% moderation is given as moderation_percent (no "
                               "culpability scale is encoded)",
    ("culpability", "arbowet"): "the Arbo fine policy (BWBR0032326) has no culpability scale; give a moderation as "
                                "moderation_percent (art. 5:46 lid 2 Awb)",
    ("culpability", "atw"): "the Atw fine policy (BWBR0032353) has no culpability scale; give a moderation as "
                            "moderation_percent (art. 5:46 lid 2 Awb)",
    ("aggravation", "wml"): "the WML fine policy has no aggravating situations (repeat offences: prior_violations)",
    ("aggravation", "waadi"): "the Waadi fine policy has no aggravating situations (repeat offences: prior_violations)",
    ("aggravation", "wtta"): "no Wtta fine policy is set",
    ("aggravation", "wagweu"): "the WagwEU policy's +50% aggravation is not encoded (its text was not read)",
    ("aggravation", "atw"): "the Atw fine policy has no aggravating situations (repeat offences: prior_violations)",
    ("warning_situation", "wml"): "the WML warning route is decided from the records (policy 2013 art. 2), not "
                                  "given as a situation",
    ("warning_situation", "waadi"): "the Waadi fine policy has no warning instead of a fine",
    ("warning_situation", "wtta"): "no Wtta fine policy is set",
    ("warning_situation", "wagweu"): "the WagwEU fine policy has no warning instead of a fine (not encoded)",
    ("warning_situation", "arbowet"): "whether an Arbo offence is fined at once or warned first is the offence "
                                      "type of the tarieflijst, not a situation",
}
DEFAULT_WHY = {
    "shorter_employment_proven": "only the WML record-keeping fine (art. 18b lid 2 WML, wml.records_missing) depends "
                                 "on the duration of employment",
}

#: factors of the total of a decision, and the statute codes a decision row may name ('*' = every statute)
DECISION_FACTORS = ("moderation_percent", "financial_capacity_percent", "reasonable_time_percent", "cumulation_percent")
DECISION_SOURCE = dict(GENERAL_SOURCE, cumulation_percent="art. 5:46 lid 2 Awb (evenredigheid van het totaal bij "
                                                          "samenloop van overtredingen)")
DECISION_STATUTES = tuple(FINED_RULES) + ("*",)


def statute_of(rule_id: str) -> str:
    return rule_id.split(".", 1)[0]


def refused_reason(factor: str, statute: str) -> str:
    rules, policy = POLICY[factor]
    why = REFUSED_WHY.get((factor, statute)) or DEFAULT_WHY.get(factor, "")
    return (f"{factor} is not a factor of the {statute} fine policy: {why}; it applies only to "
            f"{', '.join(sorted({statute_of(r) for r in rules}))} fines ({policy}); see docs/fine-factors.md")


def known(factor: str, rule_id: str) -> bool:
    """Whether the fine policy of ``rule_id`` knows ``factor`` (scope fine)."""
    return factor in GENERAL or rule_id in POLICY.get(factor, ((), ""))[0]


def markdown_table() -> str:
    """docs/fine-factors.md's table: per statute and factor, applied (with the policy text) or refused (with why)."""
    factors = list(GENERAL) + list(POLICY)
    lines = ["| statute | " + " | ".join(f"`{f}`" for f in factors) + " |",
             "|---|" + "---|" * len(factors)]
    for statute, rules in FINED_RULES.items():
        cells = []
        for f in factors:
            if f in GENERAL:
                cells.append("applied: " + GENERAL_SOURCE[f])
            elif any(r in POLICY[f][0] for r in rules):
                cells.append("applied" + ("" if all(r in POLICY[f][0] for r in rules)
                                          else " (" + ", ".join(r for r in rules if r in POLICY[f][0]) + ")"))
            else:
                cells.append("refused: " + (REFUSED_WHY.get((f, statute)) or DEFAULT_WHY.get(f, "not in the policy")))
        lines.append(f"| {statute} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
