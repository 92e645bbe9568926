"""Results tables: an event's results document and one line per entry.

Results of an event are kept twice: the whole ``jineng.results/1`` document as imported or computed
(``EventResults``) and one row per entry (``EntryResult``) for the queries that advancement, certificates
and public pages make. Composite unique indexes (both engines, in the migrations): event_results (event),
entry_result (event, entry_id).
"""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.competitions.tables import Event


class EventResults(Table, tablename="event_results"):
    """The results of one event: the imported ``jineng.results/1`` document and its publication state."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    document = Text()  # the results document, canonical JSON
    digest = Varchar(length=64)  # SHA-256 of the document as received
    # import (a results file) | computed (a marks file computed here) | judging (marks judged here)
    source = Varchar(length=20, default="import")
    # imported | published
    status = Varchar(length=20, default="imported")
    entry_count = Integer(default=0)
    imported_by = Integer(null=True, default=None)
    imported_at = Timestamptz()
    published_by = Integer(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class EntryResult(Table, tablename="entry_result"):
    """One entry's line of an event's results.

    ``entry_id`` is a registration ``Entry`` id. It is a plain integer because the table was created when it
    still belonged to the competitions domain, upstream of registration; the services check that every id
    is an entry of the event.
    """

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    entry_id = Integer(index=True)
    row = Integer()  # 1-based position in the imported document
    # final | withdrawn (scoring/'s entry statuses)
    status = Varchar(length=20)
    rank = Integer(null=True, default=None)
    total = Varchar(length=40, null=True, default=None)  # decimal digits as in the document
    total_exact = Varchar(length=80, null=True, default=None)  # exact fraction when non-terminating
    award = Varchar(length=40, null=True, default=None)  # award tier code
    eligible = Boolean(default=True)
    withdrawn = Boolean(default=False)
    detail = Text(default="")  # criteria and aspects of this entry, JSON
