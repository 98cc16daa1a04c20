"""Input tables of accidents and of the lender's verification that the workplace is safe again."""

from eerlijkwerk.records.schema import Column, Kind, Reference, RowCheck, TableSpec, register_table

ACCIDENTS = register_table(
    TableSpec(
        name="accidents",
        key="accident_id",
        references=(Reference("worker_id", "workers", "worker_id"), Reference("employer_id", "employers", "employer_id")),
        columns=(
            Column("accident_id", Kind.ID, required=True),
            Column("occurred_on", Kind.DATE, required=True),
            Column("employer_id", Kind.ID, required=True, doc="employer or hirer at whose workplace it happened"),
            Column("workplace", Kind.TEXT, doc="site id, as in placements.workplace"),
            Column("worker_id", Kind.ID, required=True),
            Column("severity", Kind.CHOICE, required=True,
                   choices=("death", "permanent_injury", "hospital_admission", "other")),
            Column("reported_on", Kind.DATE, doc="date reported to the Arbeidsinspectie; empty = not reported"),
            Column("reported_by", Kind.CHOICE, choices=("employer", "hirer", "lender", "other")),
            Column("hospital_nights", Kind.INT, min_value="0", max_value="3650"),
            Column("lender_reported_on", Kind.DATE,
                   doc="date the lender (uitlener) reported it, for a hired-in worker (bill 36781); empty = not"),
            Column("cause_category", Kind.INT, min_value="1", max_value="7",
                   doc="norm category (1-7, Beleidsregel arbowetgeving) of the violation that caused the accident, "
                       "as established by the inspector; the accident multiplier applies to it"),
            Column("cause_article", Kind.TEXT, doc="article of that violation, e.g. 'art. 3.16 Arbobesluit'"),
        ),
        row_checks=(RowCheck("reported_on < occurred_on", "reported_on", "reported before the accident happened"),),
    )
)

VERIFICATIONS = register_table(
    TableSpec(
        name="verifications",
        key="verification_id",
        doc="The lender's record that the hirer has taken measures so that workers can work safely again after a "
            "reportable accident (vergewisplicht, bill 36781).",
        references=(Reference("accident_id", "accidents", "accident_id"), Reference("uitlener_id", "employers", "employer_id")),
        columns=(
            Column("verification_id", Kind.ID, required=True),
            Column("accident_id", Kind.ID, required=True),
            Column("uitlener_id", Kind.ID, required=True),
            Column("verified_on", Kind.DATE, required=True),
            Column("method", Kind.TEXT, doc="how: site visit, hirer's written statement, RI&E update, ..."),
        ),
    )
)
