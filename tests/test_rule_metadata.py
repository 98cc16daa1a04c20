"""Every rule's legal metadata: a link that resolves, and legal numbers in titles and explanations taken from the
parameters, not written in code (issue 10, item 7)."""

from __future__ import annotations

import re

import pytest

from eerlijkwerk import law
from eerlijkwerk.engine.rules import RULES

law.statute_packages()

#: addresses a rule may link to: a consolidated statute on wetten.overheid.nl (optionally a dated version), or a bill's
#: page at the Tweede Kamer (a bill has no consolidated text yet)
LINK = re.compile(r"https://wetten\.overheid\.nl/BWBR\d{7}(/\d{4}-\d{2}-\d{2})?"
                  r"|https://www\.tweedekamer\.nl/kamerstukken/wetsvoorstellen/detail\?cfg=wetsvoorsteldetails"
                  r"&qry=wetsvoorstel%3A\d{5}")


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_link_resolves(rule_id):
    """Four rules pointed at 'https://wetten.overheid.nl/Kamerstuk 36446' and '... Kamerstuk 36781' (no such page)."""
    url = RULES[rule_id].url
    assert LINK.fullmatch(url), f"{rule_id}: {url!r}"


def test_wtta_rules_link_the_waadi_as_the_wtta_amends_it():
    # the Wtta (Kamerstuk 36446) inserts chapter 3a into the Waadi (BWBR0009616): art. 12c lid 1 (lender) and 12d lid 1
    # (hirer) forbid lending without admission from 2028-01-01
    assert RULES["wtta.not_admitted_lender"].url == "https://wetten.overheid.nl/BWBR0009616/2028-01-01"
    assert "12c lid 1" in RULES["wtta.not_admitted_lender"].citation
    assert "12d lid 1" in RULES["wtta.hirer_not_admitted_lender"].citation
    assert RULES["arbowet.lender_not_reported"].url.endswith("wetsvoorstel%3A36781")


def test_a_rule_without_bwb_id_or_link_is_refused():
    from dataclasses import replace

    broken = replace(RULES["arbowet.lender_not_reported"], link="", bwb="Kamerstuk 36781")
    with pytest.raises(ValueError, match="not a BWB id"):
        broken.url
