-- What an upload or a fetch found, kept for its pages, so that any server
-- can show a result, save its draft or report a fetch another server ran
-- (issue 16). Unlike uploads and editions these rows are working state:
-- they expire and are deleted.
CREATE TABLE upload_results (
    -- The order results were kept in (times have whole seconds).
    id             INTEGER PRIMARY KEY,
    token          TEXT    NOT NULL UNIQUE,
    owner          TEXT    NOT NULL,
    made_at        TEXT    NOT NULL,
    -- The files' reports, the kept upload ids, the preview, the base (JSON).
    result         TEXT    NOT NULL,
    -- The draft saved from it, or why saving failed.
    draft_id       INTEGER REFERENCES editions(id),
    draft_error    TEXT,
    -- While a server builds the draft it holds it until this time, so a
    -- second submit, to any server, makes no second edition.
    drafting_until TEXT
);
CREATE INDEX upload_results_owner ON upload_results (owner, made_at);

-- Uploads and fetches started, for the per-user rate limit.
CREATE TABLE upload_attempts (
    id  INTEGER PRIMARY KEY,
    who TEXT    NOT NULL,
    at  TEXT    NOT NULL
);
CREATE INDEX upload_attempts_who ON upload_attempts (who, at);

-- Fetches from Fingertips: the server running one writes its progress.
CREATE TABLE fetch_jobs (
    id         TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    made_at    TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('running', 'failed', 'done')),
    -- The result's token when done, the reason when failed.
    detail     TEXT    NOT NULL,
    done       INTEGER NOT NULL,
    planned    INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);
