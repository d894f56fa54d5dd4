//! Accounts in the store: users, sessions, failed sign-ins and the audit
//! trail's reading side. Passwords arrive here already hashed (`crate::accounts`
//! hashes and verifies them); session tokens arrive as SHA-256 hashes.

use super::{Result, Store, StoreError, audit, database::flag, now};
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Role {
    Analyst,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub created_at: String,
    /// An administrator reset the password: the user must choose a new one
    /// before doing anything else.
    pub must_change_password: bool,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

fn user_from_row(row: &sqlx::any::AnyRow) -> User {
    User {
        id: row.get("id"),
        email: row.get("email"),
        role: Role::parse(row.get::<&str, _>("role")).unwrap_or(Role::Analyst),
        active: flag(row, "active"),
        created_at: row.get("created_at"),
        must_change_password: flag(row, "must_change_password"),
    }
}

impl Store {
    /// Adds a user; the email must be new.
    pub async fn add_user(
        &self,
        email: &str,
        role: Role,
        password_hash: &str,
        by: &str,
    ) -> Result<User> {
        let email = email.trim();
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT 1 FROM users WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if exists {
            return Err(StoreError::NotFound(format!(
                "there is already a user {email}"
            )));
        }
        let row = sqlx::query(
            "INSERT INTO users (email, role, password_hash, active, created_at) VALUES ($1, $2, $3, 1, $4) RETURNING *",
        )
        .bind(email)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit(
            &mut tx,
            by,
            "add user",
            &format!("{email} ({})", role.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(user_from_row(&row))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY email")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(user_from_row).collect())
    }

    /// The user and their password hash, for signing in.
    pub async fn user_for_login(&self, email: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query("SELECT * FROM users WHERE lower(email) = lower($1)")
            .bind(email.trim())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (user_from_row(&r), r.get("password_hash"))))
    }

    /// Disables or re-enables a user; disabling ends their sessions.
    pub async fn set_user_active(&self, id: i64, active: bool, by: &str) -> Result<User> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("UPDATE users SET active = $1 WHERE id = $2 RETURNING *")
            .bind(i64::from(active))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("there is no user {id}")))?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let user = user_from_row(&row);
        let action = if active {
            "enable user"
        } else {
            "disable user"
        };
        audit(&mut tx, by, action, &user.email).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user: &User,
        expires_at: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // A new sign-in ends every earlier session of the user (a cookie
        // left on a shared computer stops working), and expired ones go.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 OR expires_at <= $2")
            .bind(user.id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user.id)
            .bind(now())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, &user.email, "sign in", "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// The active user of an unexpired session.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row))
    }

    pub async fn end_session(&self, token_hash: &str, user: &User) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, &user.email, "sign out", "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reserves one sign-in attempt, atomically: the row is written only
    /// while every count is under its limit (one statement, so concurrent
    /// attempts cannot all pass the check). `None` means throttled. A
    /// reserved attempt counts as a failure until `clear_login_attempt`.
    pub async fn reserve_login_attempt(
        &self,
        email: &str,
        address: &str,
        since: &str,
        limits: AttemptLimits,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO login_failures (email, address, at)
             SELECT $1, $2, $3
             WHERE (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND address = $2 AND at > $4) < $5
               AND (SELECT COUNT(*) FROM login_failures WHERE address = $2 AND at > $4) < $6
               AND (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $4) < $7
             RETURNING id",
        )
        .bind(email.trim())
        .bind(address)
        .bind(now())
        .bind(since)
        .bind(limits.per_account_and_address)
        .bind(limits.per_address)
        .bind(limits.per_account)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// A reserved attempt that succeeded stops counting.
    pub async fn clear_login_attempt(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins and expired sessions older than `before` go: they
    /// only ever count inside the throttle window.
    pub async fn prune_accounts(&self, before: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins counted now for this account from this address.
    pub async fn login_failures_since(
        &self,
        email: &str,
        address: &str,
        since: &str,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM login_failures WHERE email = $1 AND address = $2 AND at > $3",
        )
        .bind(email.trim())
        .bind(address)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// Sets a user's password. `by` is the user themself (a change: their
    /// other sessions end, `keep_session` stays) or an administrator (a
    /// reset: every session ends and the user must choose a new password at
    /// their next sign-in).
    pub async fn set_password(
        &self,
        user: &User,
        password_hash: &str,
        by: &User,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let reset = by.id != user.id;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(i64::from(reset))
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2")
            .bind(user.id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        let action = if reset {
            "reset password"
        } else {
            "change password"
        };
        audit(&mut tx, &by.email, action, &user.email).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("there is no user {id}")))?;
        Ok(user_from_row(&row))
    }

    /// Per edition, the uploads it added (file name and rows), in order.
    pub async fn edition_files(
        &self,
    ) -> Result<std::collections::HashMap<i64, Vec<(String, i64)>>> {
        let rows = sqlx::query(
            "SELECT eu.edition_id, u.file_name, u.rows FROM edition_uploads eu JOIN uploads u ON u.id = eu.upload_id ORDER BY eu.edition_id, eu.position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: std::collections::HashMap<i64, Vec<(String, i64)>> = Default::default();
        for r in rows {
            out.entry(r.get(0)).or_default().push((r.get(1), r.get(2)));
        }
        Ok(out)
    }

    /// Adds a line to the audit trail outside any other change.
    pub async fn record(&self, actor: &str, action: &str, detail: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit(&mut tx, actor, action, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A page of the audit trail, newest first, and how many entries there
    /// are in all: reads are bounded however long the trail grows.
    pub async fn audit_page(&self, offset: i64, limit: i64) -> Result<(Vec<AuditEntry>, i64)> {
        let rows = sqlx::query(
            "SELECT at, actor, action, detail FROM audit ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM audit")
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let entries = rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get("at"),
                actor: r.get("actor"),
                action: r.get("action"),
                detail: r.get("detail"),
            })
            .collect();
        Ok((entries, total))
    }
}

/// How many failed sign-ins the throttle allows in its window.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    pub per_account_and_address: i64,
    pub per_address: i64,
    pub per_account: i64,
}
