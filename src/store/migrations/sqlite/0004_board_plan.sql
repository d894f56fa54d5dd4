-- What an edition carries of the Board's plan besides its data. Rows are
-- only ever added, and only while the edition is a draft: the newest row
-- per key is the report. A new edition starts with its base's progress
-- (copied when it is built), so each edition holds the whole picture as
-- reported at its meeting.
CREATE TABLE action_progress (
    id          INTEGER PRIMARY KEY,
    edition_id  INTEGER NOT NULL REFERENCES editions(id),
    action      TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('not-started', 'on-track', 'at-risk', 'off-track', 'done')),
    note        TEXT    NOT NULL,
    as_of       TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL
);
CREATE INDEX action_progress_edition ON action_progress (edition_id, action, id);

-- Key messages: an edition's commentary per priority. Not carried to the
-- next edition: each meeting's messages are its own.
CREATE TABLE key_messages (
    id          INTEGER PRIMARY KEY,
    edition_id  INTEGER NOT NULL REFERENCES editions(id),
    priority    TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL
);
CREATE INDEX key_messages_edition ON key_messages (edition_id, priority, id);

-- Partnership self-assessments recorded by analysts (the board file holds
-- the baseline). Never changed: a new assessment is a new row.
CREATE TABLE assessments (
    id          INTEGER PRIMARY KEY,
    assessed_on TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    overall     TEXT    NOT NULL,
    trajectory  TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL
);

CREATE TABLE assessment_levels (
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    descriptor    TEXT    NOT NULL,
    level         TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    PRIMARY KEY (assessment_id, descriptor)
);
