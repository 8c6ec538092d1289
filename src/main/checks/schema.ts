import type { SchemaStep } from '../db/schema-step'

/**
 * The quality gate's tables: each check's result on each take, and the gate's own
 * log (checked / failed / regenerated / held), which the budget and metrics count.
 */
export const checksSchema: SchemaStep[] = [
  {
    version: 11,
    name: "quality gate: each check's verdict, score and failing frame times per take; the gate's log",
    sql: `
CREATE TABLE take_checks (
  take_id      INTEGER NOT NULL REFERENCES takes(id) ON DELETE CASCADE,
  check_name   TEXT NOT NULL,
  verdict      TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'skip')),
  score        REAL NOT NULL,
  -- JSON array of seconds into the take where the failure shows
  frames_json  TEXT NOT NULL DEFAULT '[]',
  reason       TEXT NOT NULL,
  checked_at   INTEGER NOT NULL,
  PRIMARY KEY (take_id, check_name)
);
CREATE INDEX take_checks_verdict ON take_checks(check_name, verdict);

-- What the gate did, kept when takes go (no foreign keys): the per-channel budget and the metrics read it.
CREATE TABLE gate_log (
  id          INTEGER PRIMARY KEY,
  channel_id  INTEGER NOT NULL,
  shot_id     INTEGER,
  take_id     INTEGER,
  kind        TEXT NOT NULL CHECK (kind IN ('checked', 'failed', 'regenerated', 'held', 'chosen', 'refused')),
  reason      TEXT NOT NULL DEFAULT '',
  at          INTEGER NOT NULL
);
CREATE INDEX gate_log_channel ON gate_log(channel_id, kind, at);
`
  }
]
