import type { SchemaStep } from '../db/schema-step'

/**
 * The show's tables (see show/plan.ts): the bible per channel, the planned sequences
 * with their shots, and on the library's rows what the sound chain needs — a shot's
 * line (with its spoken narration and cues) and a sequence's title and synopsis for
 * the guide. Never edit or renumber a committed step.
 */
export const showSchema: SchemaStep[] = [
  {
    version: 10,
    name: 'show: bible per channel, planned sequences of shots, lines and captions on shots and takes',
    sql: `
CREATE TABLE show_bibles (
  channel_id  INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  bible_json  TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);

-- A planned sequence: its shots (action, characters, line, effect, seconds) as JSON, in plan order.
CREATE TABLE show_sequences (
  id           INTEGER PRIMARY KEY,
  channel_id   INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  title        TEXT NOT NULL,
  synopsis     TEXT NOT NULL DEFAULT '',
  shots_json   TEXT NOT NULL,
  -- the generated sequence once produced; its shots are the library's shots
  sequence_id  INTEGER REFERENCES sequences(id) ON DELETE SET NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX show_sequences_channel ON show_sequences(channel_id, position);

-- What the guide lists: a generated sequence's title and synopsis.
ALTER TABLE sequences ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE sequences ADD COLUMN synopsis TEXT NOT NULL DEFAULT '';
-- A shot's line and sound: {line:{speaker,text,voice}, effect, seconds, narration:{file,cues,endSec}} (show/sound.ts)
ALTER TABLE shots ADD COLUMN sound_json TEXT;
-- The caption cues a take was made with (seconds from its start)
ALTER TABLE takes ADD COLUMN cues_json TEXT;
`
  }
]
