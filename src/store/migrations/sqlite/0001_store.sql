-- Uploads are immutable: the original bytes live in uploads/<sha256>, the
-- validated frame in uploads/<id>.parquet. Rows are never updated or deleted.
CREATE TABLE uploads (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    rows        INTEGER NOT NULL,
    uploaded_at TEXT    NOT NULL,
    uploaded_by TEXT    NOT NULL
);

-- An edition is a named, immutable snapshot: the edition it was built on
-- plus its uploads, later rows revising earlier ones with the same key.
CREATE TABLE editions (
    id          INTEGER PRIMARY KEY,
    label       TEXT    NOT NULL,
    base_id     INTEGER REFERENCES editions(id),
    rows        INTEGER NOT NULL,
    illustrative INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);

CREATE TABLE edition_uploads (
    edition_id  INTEGER NOT NULL REFERENCES editions(id),
    upload_id   INTEGER NOT NULL REFERENCES uploads(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (edition_id, position)
);

-- Publishing appends a row; the published edition is the newest row. One
-- INSERT is atomic, so a crash leaves the previous edition published.
CREATE TABLE publications (
    id           INTEGER PRIMARY KEY,
    edition_id   INTEGER NOT NULL REFERENCES editions(id),
    published_at TEXT    NOT NULL,
    published_by TEXT    NOT NULL
);

CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
