-- PostgreSQL's dialect of sqlite/0003_password_reset.sql.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
