"""Input table of postings (WagwEU notifications), documented in docs/input-format.md."""

from eerlijkwerk.records.schema import Column, Kind, Reference, RowCheck, TableSpec, register_table

POSTINGS = register_table(
    TableSpec(
        name="postings",
        key="posting_id",
        doc="Workers posted to the Netherlands by an employer established in another EU/EEA state or Switzerland.",
        references=(Reference("worker_id", "workers", "worker_id"), Reference("employer_id", "employers", "employer_id"),
                    Reference("client_id", "employers", "employer_id")),
        columns=(
            Column("posting_id", Kind.ID, required=True),
            Column("worker_id", Kind.ID, required=True),
            Column("employer_id", Kind.ID, required=True, doc="the posting (foreign) employer"),
            Column("client_id", Kind.ID, doc="the Dutch client (service recipient) who must check the notification"),
            Column("start_date", Kind.DATE, required=True),
            Column("end_date", Kind.DATE),
            Column("notified_on", Kind.DATE, doc="date of the notification at the meldloket; empty = not notified"),
            Column("self_employed", Kind.BOOL, default="false", doc="a self-employed person posting himself"),
            Column("third_country_national", Kind.BOOL, default="false"),
            Column("tcn_conditions_met", Kind.BOOL, default="false",
                   doc="third-country national: the conditions of art. 4.6 BuWav hold (lawful residence and work in the "
                       "sending state, habitually employed there by this employer, same work, substantial activity)"),
            Column("sector", Kind.TEXT),
        ),
        row_checks=(RowCheck("end_date < start_date", "end_date", "end_date is before start_date"),),
    )
)
