"""The load of one delivered file, one module per stage.

- :mod:`.read` — refuse a file unread, open it with its reader, what its name says;
- :mod:`.normalise` — raw cells to typed rows, identity (province, period), row rules;
- :mod:`.validate` — the kind's expectation suite on typed rows, what a file may lose;
- :mod:`.write` — the accepted rows into ``raw.<kind>``, by :mod:`.bulk` or row by row;

:mod:`.types` and :mod:`.rules` are what the row path and the bulk path share: the
records they hand on, and each row rule with the one wording of its rejection.
:mod:`reform_etl.ingest` decides what happens to a file and runs these stages in its
transaction.
"""
