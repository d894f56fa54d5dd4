//! Working state of the analysts' uploads, in the database so that every
//! server shares it (issue 16): the results kept for their pages, the
//! upload rate limit, and fetches from Fingertips. Unlike uploads and
//! editions these rows expire and are deleted; nothing published depends
//! on them.

use super::{Result, Store, database, now};
use sqlx::Row;

/// A kept result: what `crate::uploads` serialised, and its draft.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptResult {
    pub json: String,
    pub made_at: String,
    pub draft_id: Option<i64>,
    pub draft_error: Option<String>,
}

/// What asking to build a result's draft found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftClaim {
    /// This caller builds it, and says how it went (`finish_draft`).
    Claimed,
    /// It was built already: this edition.
    Made(i64),
    /// Another request (on any server) is building it now.
    Busy,
    /// No such result for this owner.
    Missing,
}

/// A fetch's state as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRow {
    /// `running`, `failed` or `done`.
    pub state: String,
    /// The result's token when done, the reason when failed.
    pub detail: String,
    pub done: i64,
    pub planned: i64,
    pub updated_at: String,
}

impl Store {
    /// Keeps a result, removing the expired (made before `expired_before`)
    /// and the owner's oldest beyond `per_owner`.
    pub async fn keep_result(
        &self,
        token: &str,
        owner: &str,
        json: &str,
        per_owner: i64,
        expired_before: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM upload_results WHERE made_at < $1")
            .bind(expired_before)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO upload_results (token, owner, made_at, result) VALUES ($1, $2, $3, $4)",
        )
        .bind(token)
        .bind(owner)
        .bind(now())
        .bind(json)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM upload_results WHERE owner = $1 AND id NOT IN
               (SELECT id FROM upload_results WHERE owner = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(owner)
        .bind(per_owner)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The result under `token`, for its owner only, if made since `since`.
    pub async fn kept_result(
        &self,
        token: &str,
        owner: &str,
        since: &str,
    ) -> Result<Option<KeptResult>> {
        let row = sqlx::query(
            "SELECT result, made_at, draft_id, draft_error FROM upload_results
             WHERE token = $1 AND owner = $2 AND made_at >= $3",
        )
        .bind(token)
        .bind(owner)
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| KeptResult {
            json: r.get("result"),
            made_at: r.get("made_at"),
            draft_id: r.get("draft_id"),
            draft_error: r.get("draft_error"),
        }))
    }

    /// Claims the building of a result's draft until `until`: one request,
    /// on one server, builds it; a claim left by a killed server lapses.
    pub async fn claim_draft(&self, token: &str, owner: &str, until: &str) -> Result<DraftClaim> {
        let claimed = sqlx::query(
            "UPDATE upload_results SET drafting_until = $3, draft_error = NULL
             WHERE token = $1 AND owner = $2 AND draft_id IS NULL
               AND (drafting_until IS NULL OR drafting_until < $4)",
        )
        .bind(token)
        .bind(owner)
        .bind(until)
        .bind(now())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if claimed == 1 {
            return Ok(DraftClaim::Claimed);
        }
        let row =
            sqlx::query("SELECT draft_id FROM upload_results WHERE token = $1 AND owner = $2")
                .bind(token)
                .bind(owner)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row.map(|r| r.get::<Option<i64>, _>("draft_id")) {
            None => DraftClaim::Missing,
            Some(Some(id)) => DraftClaim::Made(id),
            Some(None) => DraftClaim::Busy,
        })
    }

    /// Records how building a claimed draft went, and releases the claim.
    pub async fn finish_draft(
        &self,
        token: &str,
        outcome: std::result::Result<i64, &str>,
    ) -> Result<()> {
        let (id, error) = match outcome {
            Ok(id) => (Some(id), None),
            Err(why) => (None, Some(why)),
        };
        sqlx::query(
            "UPDATE upload_results SET draft_id = $2, draft_error = $3, drafting_until = NULL WHERE token = $1",
        )
        .bind(token)
        .bind(id)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts an upload or fetch by `who`; false when `limit` have been
    /// counted since `since` (on any server).
    pub async fn allow_attempt(&self, who: &str, since: &str, limit: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        // Counted and added under the write lock: two servers cannot both
        // take the last place.
        database::lock_writes(self.engine, &mut tx).await?;
        sqlx::query("DELETE FROM upload_attempts WHERE at < $1")
            .bind(since)
            .execute(&mut *tx)
            .await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM upload_attempts WHERE who = $1")
            .bind(who)
            .fetch_one(&mut *tx)
            .await?;
        if count >= limit {
            return Ok(false);
        }
        sqlx::query("INSERT INTO upload_attempts (who, at) VALUES ($1, $2)")
            .bind(who)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a new fetch, unless one is running anywhere (a running one
    /// whose server stopped writing before `stale_before` does not count).
    /// Old fetches (made before `expired_before`) are removed.
    pub async fn start_fetch_job(
        &self,
        id: &str,
        owner: &str,
        stale_before: &str,
        expired_before: &str,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        database::lock_writes(self.engine, &mut tx).await?;
        sqlx::query("DELETE FROM fetch_jobs WHERE made_at < $1")
            .bind(expired_before)
            .execute(&mut *tx)
            .await?;
        let running: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM fetch_jobs WHERE state = 'running' AND updated_at >= $1",
        )
        .bind(stale_before)
        .fetch_one(&mut *tx)
        .await?;
        if running > 0 {
            return Ok(false);
        }
        let at = now();
        sqlx::query(
            "INSERT INTO fetch_jobs (id, owner, made_at, state, detail, done, planned, updated_at) VALUES ($1, $2, $3, 'running', '', 0, 0, $3)",
        )
        .bind(id)
        .bind(owner)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Writes a fetch's progress or end (`state`: running, failed, done).
    pub async fn update_fetch_job(
        &self,
        id: &str,
        state: &str,
        detail: &str,
        progress: (i64, i64),
    ) -> Result<()> {
        sqlx::query(
            "UPDATE fetch_jobs SET state = $2, detail = $3, done = $4, planned = $5, updated_at = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(state)
        .bind(detail)
        .bind(progress.0)
        .bind(progress.1)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A fetch, for its owner only.
    pub async fn fetch_job(&self, id: &str, owner: &str) -> Result<Option<FetchRow>> {
        let row = sqlx::query(
            "SELECT state, detail, done, planned, updated_at FROM fetch_jobs WHERE id = $1 AND owner = $2",
        )
        .bind(id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| FetchRow {
            state: r.get("state"),
            detail: r.get("detail"),
            done: r.get("done"),
            planned: r.get("planned"),
            updated_at: r.get("updated_at"),
        }))
    }
}
