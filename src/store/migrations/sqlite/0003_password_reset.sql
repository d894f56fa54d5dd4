-- An administrator's reset: the user signs in with the temporary password
-- they were given and must choose their own before doing anything else.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
