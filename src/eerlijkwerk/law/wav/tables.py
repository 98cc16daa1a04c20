"""Input tables the Wav rules read (documented in docs/input-format.md)."""

from eerlijkwerk.records.schema import Column, Kind, Reference, RowCheck, TableSpec, register_table

PERMIT_TYPES = ("twv", "gvva", "kennismigrant", "eu_blue_card", "arbeid_vrij", "w_document")
#: permit types that allow work only for the employer named in them
EMPLOYER_BOUND = ("twv", "gvva", "kennismigrant", "eu_blue_card")

PERMITS = register_table(
    TableSpec(
        name="permits",
        key="permit_id",
        doc="Work permits (TWV, GVVA) and residence documents that matter for work: residence permit as kennismigrant "
            "or EU Blue Card holder, permit marked 'arbeid vrij toegestaan', asylum seeker's W-document.",
        references=(Reference("worker_id", "workers", "worker_id"), Reference("employer_id", "employers", "employer_id")),
        columns=(
            Column("permit_id", Kind.ID, required=True),
            Column("worker_id", Kind.ID, required=True),
            Column("employer_id", Kind.ID, doc="the employer the permit is for; required for twv, gvva, kennismigrant, eu_blue_card"),
            Column("permit_type", Kind.CHOICE, required=True, choices=PERMIT_TYPES),
            Column("valid_from", Kind.DATE, required=True),
            Column("valid_to", Kind.DATE, required=True, doc="last day the permit is valid (inclusive: through 23:59:59 of that day, Europe/Amsterdam)"),
            Column("salary_category", Kind.CHOICE,
                   choices=("age_30_plus", "under_30", "reduced", "blue_card", "blue_card_reduced"),
                   doc="kennismigrant / EU Blue Card: the salary criterion the permit was granted under"),
            Column("criterion_date", Kind.DATE,
                   doc="kennismigrant / EU Blue Card: the date the IND tested the salary (application, extension or "
                       "change of employer received); the criterion of that date applies; default valid_from"),
        ),
        row_checks=(
            RowCheck("valid_to < valid_from", "valid_to", "valid_to is before valid_from"),
            RowCheck(f"employer_id IS NULL AND permit_type IN {EMPLOYER_BOUND}", "employer_id",
                     "a twv, gvva, kennismigrant or eu_blue_card permit is for a named employer"),
            RowCheck("salary_category IS NULL AND permit_type IN ('kennismigrant', 'eu_blue_card')", "salary_category",
                     "a kennismigrant or EU Blue Card permit needs its salary_category"),
        ),
    )
)
