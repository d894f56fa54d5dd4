//! Accounts in the store: users, sessions, failed sign-ins and the audit
//! trail's reading side. Passwords arrive here already hashed (`crate::auth`
//! hashes and verifies them); session tokens arrive as SHA-256 hashes.

use super::{Result, Store, StoreError, audit, now};
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
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> User {
    User {
        id: row.get("id"),
        email: row.get("email"),
        role: Role::parse(row.get::<&str, _>("role")).unwrap_or(Role::Analyst),
        active: row.get("active"),
        created_at: row.get("created_at"),
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
        let exists = sqlx::query("SELECT 1 FROM users WHERE email = ?")
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
            "INSERT INTO users (email, role, password_hash, active, created_at) VALUES (?, ?, ?, 1, ?) RETURNING *",
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
        let row = sqlx::query("SELECT * FROM users WHERE email = ?")
            .bind(email.trim())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (user_from_row(&r), r.get("password_hash"))))
    }

    /// Disables or re-enables a user; disabling ends their sessions.
    pub async fn set_user_active(&self, id: i64, active: bool, by: &str) -> Result<User> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("UPDATE users SET active = ? WHERE id = ? RETURNING *")
            .bind(active)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("there is no user {id}")))?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = ?")
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
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
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
            "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row))
    }

    pub async fn end_session(&self, token_hash: &str, user: &User) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, &user.email, "sign out", "").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_login_failure(&self, email: &str, address: &str) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (email, address, at) VALUES (?, ?, ?)")
            .bind(email.trim())
            .bind(address)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins since `since` (RFC 3339) for this account and from
    /// this address.
    pub async fn login_failures_since(
        &self,
        email: &str,
        address: &str,
        since: &str,
    ) -> Result<(i64, i64)> {
        let count = |sql: &'static str, key: String| {
            let pool = self.pool.clone();
            let since = since.to_owned();
            async move {
                let row = sqlx::query(sql)
                    .bind(key)
                    .bind(since)
                    .fetch_one(&pool)
                    .await?;
                Ok::<i64, sqlx::Error>(row.get(0))
            }
        };
        let by_account = count(
            "SELECT COUNT(*) FROM login_failures WHERE email = ? AND at > ?",
            email.trim().to_owned(),
        )
        .await?;
        let by_address = count(
            "SELECT COUNT(*) FROM login_failures WHERE address = ? AND at > ?",
            address.to_owned(),
        )
        .await?;
        Ok((by_account, by_address))
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

    /// The audit trail, newest first.
    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT at, actor, action, detail FROM audit ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get("at"),
                actor: r.get("actor"),
                action: r.get("action"),
                detail: r.get("detail"),
            })
            .collect())
    }
}
