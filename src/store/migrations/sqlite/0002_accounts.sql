-- Accounts. Viewers need none; analysts upload and publish; admins also
-- manage users. Users are disabled, never deleted, so the audit trail
-- always names someone who existed.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT    NOT NULL CHECK (role IN ('analyst', 'admin')),
    password_hash TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL
);

-- Sessions hold a SHA-256 of the cookie's token, never the token itself.
CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);

-- Failed sign-ins, for throttling by account and by address.
CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    email    TEXT    NOT NULL COLLATE NOCASE,
    address  TEXT    NOT NULL,
    at       TEXT    NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_address ON login_failures (address, at);
