"""WagwEU (Wet arbeidsvoorwaarden gedetacheerde werknemers in de EU): the posting notification.

A posting must be notified at the meldloket before the work starts (art. 8 WagwEU), and the Dutch client (service
recipient) must check that it was (art. 8 lid 3). A posted third-country national who lacks the conditions of
art. 4.6 BuWav needs a work permit: that is a ``wav.no_permit`` finding, not a WagwEU one.
Source: https://wetten.overheid.nl/BWBR0042971 (WagwEU; BWB id to confirm, see docs/sources-wav.md).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.rules import rule
from eerlijkwerk.params import Status

BWB = "BWBR0042971"


def _late(ctx: AuditContext) -> ir.Table:
    po = ctx.table("postings")
    po = po.filter(po.notified_on.isnull() | (po.notified_on > po.start_date))
    return po.mutate(reason=ibis.ifelse(po.notified_on.isnull(), "not notified",
                                        ibis.literal("notified late, on ") + po.notified_on.cast("string")))


@rule(id="wagweu.no_notification", statute="WagwEU", article="8 lid 1", bwb=BWB, status=Status.IN_FORCE,
      fine_policy="wagweu.boete_melding",
      title="Posting not notified before the work started",
      explanation="Posting from {period_start}: {reason}. The posting employer must notify it before work starts.")
def no_notification(ctx: AuditContext) -> ir.Table:
    po = ctx.cached("wagweu.late", _late)
    return po.select(employer_id=po.employer_id, worker_id=po.worker_id, period_start=po.start_date,
                     period_end=po.end_date, reason=po.reason,
                     detail=ibis.ifelse(po.self_employed, "self-employed", "employer"),
                     evidence=ibis.literal("postings row ") + po._row.cast("string"))


@rule(id="wagweu.client_no_check", statute="WagwEU", article="8 lid 3", bwb=BWB, status=Status.IN_FORCE,
      fine_policy="wagweu.boete_overig",
      title="Dutch client did not check the posting notification",
      explanation=("Posting from {period_start} ({reason}): the Dutch client must check that the posting was "
                   "notified and report it if not."))
def client_no_check(ctx: AuditContext) -> ir.Table:
    po = ctx.cached("wagweu.late", _late)
    po = po.filter(po.client_id.notnull())
    return po.select(employer_id=po.client_id, worker_id=po.worker_id, period_start=po.start_date,
                     period_end=po.end_date, reason=po.reason,
                     evidence=ibis.literal("postings row ") + po._row.cast("string"))
