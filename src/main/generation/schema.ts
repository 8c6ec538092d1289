import type { SchemaStep } from '../db/schema-step'

/**
 * The generation job queue's table, as steps of the studio's numbered migrations
 * (see src/main/db/migrations.ts). Never edit or renumber a committed step.
 */
export const generationSchema: SchemaStep[] = [
  {
    version: 1,
    name: 'generation: the job queue',
    sql: `
CREATE TABLE jobs (
  id              INTEGER PRIMARY KEY,
  channel_id      INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  shot_id         INTEGER REFERENCES shots(id) ON DELETE SET NULL,
  sequence_id     INTEGER REFERENCES sequences(id) ON DELETE SET NULL,
  kind            TEXT NOT NULL,
  state           TEXT NOT NULL,
  step            TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  payload_json    TEXT NOT NULL DEFAULT '{}',
  error           TEXT,
  progress        REAL NOT NULL DEFAULT 0,
  idempotency_key TEXT UNIQUE,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX jobs_state ON jobs(state, id);
CREATE INDEX jobs_channel ON jobs(channel_id, id);
`
  },
  {
    version: 2,
    name: 'generation: job ownership, retry time, order within a sequence, queue position',
    sql: `
-- process running this job (pid); a dead owner means the work was interrupted and may be resumed
ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
-- a retry waits until this time (ms since epoch)
ALTER TABLE jobs ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
-- the shot's place in its sequence (music is laid under the shots in this order)
ALTER TABLE jobs ADD COLUMN seq_index INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN queue_position INTEGER;
ALTER TABLE jobs ADD COLUMN eta_s INTEGER;
CREATE INDEX jobs_sequence ON jobs(sequence_id, seq_index);
`
  }
]
