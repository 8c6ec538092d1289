import type { SchemaStep } from '../db/schema-step'

/**
 * The library's tables (channels, sequences, shots, takes, playlist, settings, search),
 * as steps of the studio's numbered migrations (see src/main/db/migrations.ts).
 * Never edit or renumber a committed step: databases in the field have run it.
 */
export const librarySchema: SchemaStep[] = [
  {
    version: 1,
    name: 'library core: channels, sequences, shots, takes, playlist, settings, search',
    sql: `
CREATE TABLE channels (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL COLLATE NOCASE UNIQUE,
  theme          TEXT NOT NULL DEFAULT '',
  style          TEXT NOT NULL DEFAULT '',
  format_json    TEXT NOT NULL,
  -- grows whenever the format changes; shots conformed to an older one are re-conformed
  format_rev     INTEGER NOT NULL DEFAULT 1,
  review_policy  TEXT NOT NULL DEFAULT 'auto' CHECK (review_policy IN ('auto', 'manual')),
  max_clip_ms    INTEGER NOT NULL DEFAULT 600000,
  -- grows on every playlist edit (and on edits of shots in it): cheap change detection for the on-air engine
  playlist_rev   INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);

CREATE TABLE sequences (
  id           INTEGER PRIMARY KEY,
  channel_id   INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  theme        TEXT NOT NULL DEFAULT '',
  style        TEXT NOT NULL DEFAULT '',
  music_path   TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX sequences_channel ON sequences(channel_id, id);

CREATE TABLE shots (
  id            INTEGER PRIMARY KEY,
  channel_id    INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  sequence_id   INTEGER REFERENCES sequences(id) ON DELETE SET NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'conforming', 'ready', 'failed')),
  approved      INTEGER NOT NULL DEFAULT 0,
  prompt        TEXT NOT NULL DEFAULT '',
  seed          INTEGER,
  backend       TEXT,
  extra_json    TEXT,
  source_name   TEXT,
  -- sha256 of the file the shot came from; an import of the same file into the same channel is the same shot
  source_hash   TEXT,
  -- the untouched source, kept (by hash) so a format change can re-conform from it
  original_path TEXT,
  -- sha256 of the conformed MP4; all four media files are named after it
  media_hash    TEXT,
  mp4_path      TEXT,
  ts_path       TEXT,
  poster_path   TEXT,
  strip_path    TEXT,
  duration_ms   INTEGER,
  width         INTEGER,
  height        INTEGER,
  format_rev    INTEGER,
  -- process working on this row (pid); a dead owner means the work was interrupted
  owner_pid     INTEGER,
  error         TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  CHECK (status != 'ready' OR (mp4_path IS NOT NULL AND ts_path IS NOT NULL AND poster_path IS NOT NULL))
);
CREATE INDEX shots_channel ON shots(channel_id, id);
CREATE INDEX shots_channel_status ON shots(channel_id, status, id);
CREATE UNIQUE INDEX shots_channel_source ON shots(channel_id, source_hash) WHERE source_hash IS NOT NULL;
CREATE INDEX shots_media ON shots(media_hash);
CREATE INDEX shots_original ON shots(original_path);

-- Each generated version of a shot; the chosen one is what the shot's media came from.
CREATE TABLE takes (
  id          INTEGER PRIMARY KEY,
  shot_id     INTEGER NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
  job_id      INTEGER,
  source_path TEXT,
  seed        INTEGER,
  backend     TEXT,
  chosen      INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
);
CREATE INDEX takes_shot ON takes(shot_id);

CREATE TABLE playlist_items (
  id          INTEGER PRIMARY KEY,
  channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  shot_id     INTEGER NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  added_at    INTEGER NOT NULL,
  UNIQUE (channel_id, position)
);
CREATE INDEX playlist_shot ON playlist_items(shot_id);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Full-text search over prompts (external content: the text lives once, in shots).
CREATE VIRTUAL TABLE shots_fts USING fts5(prompt, content='shots', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER shots_fts_ai AFTER INSERT ON shots BEGIN
  INSERT INTO shots_fts(rowid, prompt) VALUES (new.id, new.prompt);
END;
CREATE TRIGGER shots_fts_ad AFTER DELETE ON shots BEGIN
  INSERT INTO shots_fts(shots_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
END;
CREATE TRIGGER shots_fts_au AFTER UPDATE OF prompt ON shots BEGIN
  INSERT INTO shots_fts(shots_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
  INSERT INTO shots_fts(rowid, prompt) VALUES (new.id, new.prompt);
END;
`
  },
  {
    version: 3,
    name: 'takes: each version of a shot carries its own media, so it can be previewed and chosen',
    sql: `
-- 'conforming' while a job converts it, 'ready' once its media exists, 'failed' if that was interrupted
ALTER TABLE takes ADD COLUMN status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('conforming', 'ready', 'failed'));
ALTER TABLE takes ADD COLUMN prompt TEXT NOT NULL DEFAULT '';
ALTER TABLE takes ADD COLUMN original_path TEXT;
ALTER TABLE takes ADD COLUMN media_hash TEXT;
ALTER TABLE takes ADD COLUMN mp4_path TEXT;
ALTER TABLE takes ADD COLUMN ts_path TEXT;
ALTER TABLE takes ADD COLUMN poster_path TEXT;
ALTER TABLE takes ADD COLUMN strip_path TEXT;
ALTER TABLE takes ADD COLUMN duration_ms INTEGER;
ALTER TABLE takes ADD COLUMN width INTEGER;
ALTER TABLE takes ADD COLUMN height INTEGER;
ALTER TABLE takes ADD COLUMN format_rev INTEGER;
ALTER TABLE takes ADD COLUMN owner_pid INTEGER;
ALTER TABLE takes ADD COLUMN error TEXT;
-- one job makes at most one take, whatever restarts happen in between
CREATE UNIQUE INDEX takes_job ON takes(job_id) WHERE job_id IS NOT NULL;
CREATE INDEX takes_media ON takes(media_hash);
CREATE INDEX takes_original ON takes(original_path);
-- every shot that already has media gets its first take, chosen
INSERT INTO takes (shot_id, job_id, seed, backend, chosen, created_at, status, prompt, original_path, media_hash, mp4_path, ts_path,
    poster_path, strip_path, duration_ms, width, height, format_rev)
  SELECT id, NULL, seed, backend, 1, updated_at, 'ready', prompt, original_path, media_hash, mp4_path, ts_path,
    poster_path, strip_path, duration_ms, width, height, format_rev
  FROM shots WHERE mp4_path IS NOT NULL AND ts_path IS NOT NULL AND poster_path IS NOT NULL;
`
  },
  {
    version: 5,
    name: "channel look: loudness target, logo, AI label, lower third, dips burned in at conform; each clip's measured loudness",
    sql: `
-- NULL = the default look (-14 LUFS, AI label on generated shots, 0.25 s dips)
ALTER TABLE channels ADD COLUMN look_json TEXT;
ALTER TABLE channels ADD COLUMN look_rev INTEGER NOT NULL DEFAULT 1;
-- the look revision a shot's / take's media was made with; NULL (made before looks existed) differs from every
-- channel's, so the background worker redoes it (while it keeps airing) whenever it runs
ALTER TABLE shots ADD COLUMN look_rev INTEGER;
ALTER TABLE shots ADD COLUMN loudness_json TEXT;
ALTER TABLE takes ADD COLUMN look_rev INTEGER;
ALTER TABLE takes ADD COLUMN loudness_json TEXT;
`
  },
  {
    version: 6,
    name: 'as-run log: every clip that aired, with its wall-clock start and end and the destinations live then',
    sql: `
-- A record of what went out, kept even when the channel, shot or item is deleted later
-- (hence no foreign keys, and the channel's name and the label copied in).
CREATE TABLE asrun (
  id            INTEGER PRIMARY KEY,
  channel_id    INTEGER NOT NULL,
  channel_name  TEXT NOT NULL,
  item_id       INTEGER,
  shot_id       INTEGER,
  take_id       INTEGER,
  label         TEXT NOT NULL,
  slate         INTEGER NOT NULL DEFAULT 0,
  -- the clip's own length: closes an entry left open by a crash at its expected end
  duration_ms   INTEGER NOT NULL DEFAULT 0,
  started_at    INTEGER NOT NULL,
  -- NULL while on air (or when the process died while it aired; closed at the next start)
  ended_at      INTEGER,
  -- JSON array of destination names live when the clip started
  destinations  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX asrun_channel_time ON asrun(channel_id, started_at);
CREATE INDEX asrun_time ON asrun(started_at);
`
  },
  {
    version: 7,
    name: 'edit history: undo/redo of timeline and library edits, per channel, kept across restarts',
    sql: `
-- Each row is one edit the studio made, with the before/after state of exactly what it touched
-- (JSON, see library/history.ts). 'done' rows are the undo stack, 'undone' rows the redo stack;
-- every 'done' id of a channel is below every 'undone' one.
CREATE TABLE edit_history (
  id          INTEGER PRIMARY KEY,
  channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  state       TEXT NOT NULL CHECK (state IN ('done', 'undone')),
  kind        TEXT NOT NULL,
  label       TEXT NOT NULL,
  data_json   TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX edit_history_channel ON edit_history(channel_id, state, id);
`
  },
  {
    version: 8,
    name: 'channel ids are never reused (AUTOINCREMENT): a new channel never inherits what was keyed by a deleted one',
    rebuildsReferencedTable: true,
    sql: `
-- SQLite's documented table rebuild (foreign keys off around it, checked before commit): only
-- CREATE TABLE can add AUTOINCREMENT. Columns in their existing order (version 1, then 5).
CREATE TABLE channels_v8 (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  name           TEXT NOT NULL COLLATE NOCASE UNIQUE,
  theme          TEXT NOT NULL DEFAULT '',
  style          TEXT NOT NULL DEFAULT '',
  format_json    TEXT NOT NULL,
  format_rev     INTEGER NOT NULL DEFAULT 1,
  review_policy  TEXT NOT NULL DEFAULT 'auto' CHECK (review_policy IN ('auto', 'manual')),
  max_clip_ms    INTEGER NOT NULL DEFAULT 600000,
  playlist_rev   INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  look_json      TEXT,
  look_rev       INTEGER NOT NULL DEFAULT 1
);
INSERT INTO channels_v8 (id, name, theme, style, format_json, format_rev, review_policy, max_clip_ms, playlist_rev,
    created_at, updated_at, look_json, look_rev)
  SELECT id, name, theme, style, format_json, format_rev, review_policy, max_clip_ms, playlist_rev,
    created_at, updated_at, look_json, look_rev FROM channels;
DROP TABLE channels;
ALTER TABLE channels_v8 RENAME TO channels;
-- Ids already handed out to channels deleted before this version may still key data (as-run
-- entries, settings): the sequence starts above every id seen anywhere.
DELETE FROM sqlite_sequence WHERE name IN ('channels', 'channels_v8');
INSERT INTO sqlite_sequence (name, seq) SELECT 'channels', MAX(n) FROM (
  SELECT COALESCE(MAX(id), 0) AS n FROM channels
  UNION ALL SELECT COALESCE(MAX(channel_id), 0) FROM asrun
  UNION ALL SELECT COALESCE(MAX(CAST(substr(key, length(rtrim(key, '0123456789')) + 1) AS INTEGER)), 0) FROM settings
    WHERE rtrim(key, '0123456789') IN ('generation.backends.', 'generation.autopilot.', 'onair.pid.')
);
`
  },
  {
    version: 9,
    name: 'missing media: a ready shot whose files are gone is marked (by the background check), not waited for',
    sql: `
-- 1 when the background media check (or a re-conform) found the shot's clip missing or empty; 0 once it is back
ALTER TABLE shots ADD COLUMN media_missing INTEGER NOT NULL DEFAULT 0;
CREATE INDEX shots_media_missing ON shots(channel_id, id) WHERE media_missing = 1;
`
  },
  {
    version: 12,
    name: 'channel counts kept by triggers: reading a channel no longer counts its shots (half a second at a million)',
    sql: `
-- Every read of a channel (dozens of calls, each edit) counted the channel's shots and the ones waiting
-- for a (re-)conform: 110 ms at 200,000 shots, growing with the library. Triggers keep both instead.
ALTER TABLE channels ADD COLUMN shot_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN pending_count INTEGER NOT NULL DEFAULT 0;
UPDATE channels SET
  shot_count = (SELECT COUNT(*) FROM shots s WHERE s.channel_id = channels.id),
  pending_count = (SELECT COUNT(*) FROM shots s WHERE s.channel_id = channels.id
    AND (s.status = 'queued' OR (s.status = 'ready' AND s.look_rev IS NOT channels.look_rev)));
-- "Pending": queued, or ready but conformed to an older look of its channel (re-conformed in the background).
CREATE TRIGGER shots_counts_ai AFTER INSERT ON shots BEGIN
  UPDATE channels SET shot_count = shot_count + 1,
    pending_count = pending_count + (new.status = 'queued' OR (new.status = 'ready' AND new.look_rev IS NOT look_rev))
  WHERE id = new.channel_id;
END;
CREATE TRIGGER shots_counts_ad AFTER DELETE ON shots BEGIN
  UPDATE channels SET shot_count = shot_count - 1,
    pending_count = pending_count - (old.status = 'queued' OR (old.status = 'ready' AND old.look_rev IS NOT look_rev))
  WHERE id = old.channel_id;
END;
CREATE TRIGGER shots_counts_au AFTER UPDATE OF status, look_rev, channel_id ON shots BEGIN
  UPDATE channels SET shot_count = shot_count - 1,
    pending_count = pending_count - (old.status = 'queued' OR (old.status = 'ready' AND old.look_rev IS NOT look_rev))
  WHERE id = old.channel_id;
  UPDATE channels SET shot_count = shot_count + 1,
    pending_count = pending_count + (new.status = 'queued' OR (new.status = 'ready' AND new.look_rev IS NOT look_rev))
  WHERE id = new.channel_id;
END;
-- A new look makes every ready shot of the channel pending at once: counted again, once per look change.
CREATE TRIGGER channels_pending_look AFTER UPDATE OF look_rev ON channels WHEN new.look_rev IS NOT old.look_rev BEGIN
  UPDATE channels SET pending_count = (SELECT COUNT(*) FROM shots s WHERE s.channel_id = new.id
    AND (s.status = 'queued' OR (s.status = 'ready' AND s.look_rev IS NOT new.look_rev)))
  WHERE id = new.id;
END;
`
  },
  {
    version: 13,
    name: 'the playlist revision follows every change a timeline item shows, by trigger',
    sql: `
-- A timeline item shows its shot's status, approval, prompt, length and media, and whether it is
-- conformed to the channel's format; the sequence names it on air. Any of those changing on a listed
-- shot is a new playlist revision, so a view at the revision a change event carries is up to date
-- (the conform's status steps did not bump it, so every change event meant a whole reload).
CREATE TRIGGER shots_playlist_rev AFTER UPDATE ON shots
WHEN (new.status IS NOT old.status OR new.approved IS NOT old.approved OR new.prompt IS NOT old.prompt
    OR new.duration_ms IS NOT old.duration_ms OR new.ts_path IS NOT old.ts_path OR new.mp4_path IS NOT old.mp4_path
    OR new.poster_path IS NOT old.poster_path OR new.format_rev IS NOT old.format_rev
    OR new.sequence_id IS NOT old.sequence_id)
  AND EXISTS (SELECT 1 FROM playlist_items WHERE shot_id = new.id)
BEGIN
  UPDATE channels SET playlist_rev = playlist_rev + 1 WHERE id = new.channel_id;
END;
`
  },
  {
    version: 14,
    name: 'search by whole stemmed words, the last one as a prefix while typed: the search index rebuilt (porter, prefix index)',
    notice: 'rebuilding the search index of the prompts (about 10 s per million shots, longer on a busy machine)',
    sql: `
-- Every word was a prefix ("whale"*): FTS5 merges a prefix's whole doclist before its first row, 45 ms at a
-- million shots against 0.1 ms for the word itself. Words now match whole, stemmed ("whales" finds "whale"),
-- and only the word being typed is a prefix, answered from a prefix index of 3 to 6 characters (see
-- library/search.ts). The triggers on shots (version 1) name the table, not its definition: they keep working.
DROP TABLE shots_fts;
CREATE VIRTUAL TABLE shots_fts USING fts5(prompt, content='shots', content_rowid='id',
  tokenize='porter unicode61 remove_diacritics 2', prefix='3 4 5 6');
INSERT INTO shots_fts(shots_fts) VALUES ('rebuild');
`
  }
]
