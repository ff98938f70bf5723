-- Values of PAR INDEX criteria that no survey measures (appraisal, socio-economic), entered by
-- their owners during the year with the evidence behind them. Every entry is kept; the latest
-- entry of a criterion and period counts. `points` is an exact decimal written as text.
CREATE TABLE par_entries (
    id TEXT PRIMARY KEY NOT NULL,
    tree_id TEXT NOT NULL,
    period INTEGER NOT NULL,
    criterion TEXT NOT NULL,
    points TEXT NOT NULL,
    evidence TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL
);
CREATE INDEX par_entries_by_criterion ON par_entries (tree_id, period, criterion, id);
