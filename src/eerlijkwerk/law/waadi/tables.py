"""Input tables of the lender's admission: Waadi registration and Wtta admission (docs/input-format.md)."""

from eerlijkwerk.records.schema import Column, Kind, RowCheck, TableSpec, register_table

ADMISSIONS = register_table(
    TableSpec(
        name="admissions",
        key="admission_id",
        doc="A lender's registration or admission status over time, e.g. from a register extract.",
        columns=(
            Column("admission_id", Kind.ID, required=True),
            Column("employer_id", Kind.ID, required=True, doc="KvK number of the lender"),
            Column("kind", Kind.CHOICE, required=True,
                   choices=("waadi_registration", "wtta_transition", "wtta_admission", "wtta_exemption"),
                   doc="waadi_registration: trade-register registration as lender (art. 7a Waadi); wtta_transition: "
                       "registered with the NAU before 2027-01-01 (transition scheme); wtta_admission / wtta_exemption: "
                       "admission (toelating) or exemption (ontheffing) under the Wtta"),
            Column("status", Kind.CHOICE, default="active", choices=("active", "suspended", "revoked")),
            Column("valid_from", Kind.DATE, required=True),
            Column("valid_to", Kind.DATE, doc="last day (inclusive); empty = open"),
            Column("register_number", Kind.TEXT),
        ),
        row_checks=(RowCheck("valid_to < valid_from", "valid_to", "valid_to is before valid_from"),),
    )
)
