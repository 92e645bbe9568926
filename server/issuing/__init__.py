"""Issuing: certificates for people on record, signed, numbered, linked and audited; their status; who may
see and download what; public verification.

Three ways in, one way to make a certificate:

* :mod:`.single` — one 职业技能等级证书 (organizer);
* :mod:`.passes` — a .xlsx of assessment passes, checked row by row, issued all or nothing;
* :mod:`.from_results` — an event's results: award certificates and the skill-level certificates its
  promotion rules give;
* all three end in :mod:`.issuance` (:class:`~.issuance.Draft` → number, sign, store, audit, graduate record),
  numbered by :mod:`.numbering` (证书编号) and signed with :mod:`.keyring` (keys, label codes, published key
  set and status list).

Around them: :mod:`.scope` (who may read, manage or issue), :mod:`.rows` (the certificate select and lookup
by reference), :mod:`.reads` (certificates, pages, batches as responses), :mod:`.holders` (the person a
certificate is for, levels held, the holder ID tag), :mod:`.status` (revoke, suspend, reinstate, supersede
through one state machine), :mod:`.pdf` (views, one PDF, a batch ZIP), :mod:`.clock` (UTC stamps, Beijing
dates), :mod:`.codes` (verification codes, award words, display dates), :mod:`.verification` (public verdicts,
lookup, ID check, rate limits), :mod:`.routes` and :mod:`.cli` (the API and ``jineng issuing``).
"""
