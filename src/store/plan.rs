//! The Board's plan in the store: action progress and key messages, which
//! belong to an edition and are written only while it is a draft, and the
//! partnership self-assessments analysts add. Rows are only ever added.

use super::{Result, Store, StoreError, audit, database, now};
use crate::board::{Assessment, EditionPlan, Progress, Status};
use sqlx::Row;
use std::collections::BTreeMap;

/// Newest row per action of one edition.
const LATEST_PROGRESS: &str =
    "SELECT action, status, note, as_of, recorded_at, recorded_by FROM action_progress
     WHERE id IN (SELECT MAX(id) FROM action_progress WHERE edition_id = $1 GROUP BY action)";

impl Store {
    /// An edition's progress reports and key messages.
    pub async fn edition_plan(&self, edition_id: i64) -> Result<EditionPlan> {
        let mut plan = EditionPlan::default();
        for row in sqlx::query(LATEST_PROGRESS)
            .bind(edition_id)
            .fetch_all(&self.pool)
            .await?
        {
            let status: String = row.get("status");
            let Some(status) = Status::from_slug(&status) else {
                continue; // the table's CHECK makes this unreachable
            };
            plan.progress.insert(
                row.get("action"),
                Progress {
                    status,
                    note: row.get("note"),
                    as_of: row.get("as_of"),
                    recorded_at: row.get("recorded_at"),
                    recorded_by: row.get("recorded_by"),
                },
            );
        }
        let rows = sqlx::query(
            "SELECT priority, message FROM key_messages
             WHERE id IN (SELECT MAX(id) FROM key_messages WHERE edition_id = $1 GROUP BY priority)",
        )
        .bind(edition_id)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let message: String = row.get("message");
            if !message.is_empty() {
                plan.messages.insert(row.get("priority"), message);
            }
        }
        Ok(plan)
    }

    /// Refuses a change to an edition that has ever been published: what a
    /// board paper linked to must not move. Read inside the writing
    /// transaction, under the database's write lock, so a publish by
    /// another server cannot slip in between the check and the write.
    async fn draft_only(tx: &mut sqlx::Transaction<'_, sqlx::Any>, edition_id: i64) -> Result<()> {
        let edition = Self::edition_on(&mut **tx, edition_id).await?;
        if edition.published_at.is_some() {
            return Err(StoreError::NotFound(format!(
                "edition {edition_id} has been published, so its progress and key messages are fixed: record them on a new draft"
            )));
        }
        Ok(())
    }

    /// Records an action's progress on a draft (the caller has checked the
    /// action against the board file).
    pub async fn record_progress(
        &self,
        edition_id: i64,
        action: &str,
        progress: (Status, &str, &str),
        by: &str,
    ) -> Result<()> {
        let _guard = self.writes.lock().await;
        let (status, note, as_of) = progress;
        let mut tx = self.pool.begin().await?;
        database::lock_writes(self.engine, &mut tx).await?;
        Self::draft_only(&mut tx, edition_id).await?;
        sqlx::query(
            "INSERT INTO action_progress (edition_id, action, status, note, as_of, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(edition_id)
        .bind(action)
        .bind(status.slug())
        .bind(note)
        .bind(as_of)
        .bind(now())
        .bind(by)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            by,
            "record progress",
            &format!("edition {edition_id}, action {action}: {}", status.label()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a priority's key message on a draft; an empty one removes it.
    pub async fn record_message(
        &self,
        edition_id: i64,
        priority: &str,
        message: &str,
        by: &str,
    ) -> Result<()> {
        let _guard = self.writes.lock().await;
        let mut tx = self.pool.begin().await?;
        database::lock_writes(self.engine, &mut tx).await?;
        Self::draft_only(&mut tx, edition_id).await?;
        sqlx::query(
            "INSERT INTO key_messages (edition_id, priority, message, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(edition_id)
        .bind(priority)
        .bind(message)
        .bind(now())
        .bind(by)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            by,
            "record key message",
            &format!(
                "edition {edition_id}, priority {priority} ({} characters)",
                message.chars().count()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Partnership self-assessments recorded by analysts, oldest first.
    pub async fn assessments(&self) -> Result<Vec<Assessment>> {
        let heads = sqlx::query(
            "SELECT id, assessed_on, label, overall, trajectory, recorded_by FROM assessments ORDER BY assessed_on, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for head in heads {
            let id: i64 = head.get("id");
            let (mut levels, mut notes) = (BTreeMap::new(), BTreeMap::new());
            for row in sqlx::query(
                "SELECT descriptor, level, note FROM assessment_levels WHERE assessment_id = $1",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            {
                let descriptor: String = row.get("descriptor");
                let note: String = row.get("note");
                if !note.is_empty() {
                    notes.insert(descriptor.clone(), note);
                }
                levels.insert(descriptor, row.get("level"));
            }
            out.push(Assessment {
                date: head.get("assessed_on"),
                label: head.get("label"),
                levels,
                notes,
                overall: head.get("overall"),
                trajectory: head.get("trajectory"),
                source: format!("recorded by {}", head.get::<String, _>("recorded_by")),
            });
        }
        Ok(out)
    }

    /// Adds an assessment (the caller has checked it against the board).
    pub async fn add_assessment(&self, a: &Assessment, by: &str) -> Result<()> {
        let _guard = self.writes.lock().await;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO assessments (assessed_on, label, overall, trajectory, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&a.date)
        .bind(&a.label)
        .bind(&a.overall)
        .bind(&a.trajectory)
        .bind(now())
        .bind(by)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        for (descriptor, level) in &a.levels {
            sqlx::query(
                "INSERT INTO assessment_levels (assessment_id, descriptor, level, note) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(descriptor)
            .bind(level)
            .bind(a.notes.get(descriptor).map(String::as_str).unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        }
        audit(
            &mut tx,
            by,
            "add assessment",
            &format!("{} {:?} ({} levels)", a.date, a.label, a.levels.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Copies `from`'s progress into a new edition `to`; with `only_newer`,
/// only reports newer than what `to` already holds for the action (a
/// rebuilt draft keeps its own updates over its new base's older ones).
pub(super) async fn carry_progress(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    from: i64,
    to: i64,
    only_newer: bool,
) -> Result<()> {
    let newer = if only_newer {
        " AND f.recorded_at > COALESCE((SELECT MAX(t.recorded_at) FROM action_progress t WHERE t.edition_id = $2 AND t.action = f.action), '')"
    } else {
        ""
    };
    sqlx::query(&format!(
        "INSERT INTO action_progress (edition_id, action, status, note, as_of, recorded_at, recorded_by)
         SELECT $2, f.action, f.status, f.note, f.as_of, f.recorded_at, f.recorded_by FROM action_progress f
         WHERE f.id IN (SELECT MAX(id) FROM action_progress WHERE edition_id = $1 GROUP BY action){newer}
         ORDER BY f.id"
    ))
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A rebuilt draft keeps the key messages written on the draft it replaces.
pub(super) async fn carry_messages(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    from: i64,
    to: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO key_messages (edition_id, priority, message, recorded_at, recorded_by)
         SELECT $2, priority, message, recorded_at, recorded_by FROM key_messages
         WHERE id IN (SELECT MAX(id) FROM key_messages WHERE edition_id = $1 GROUP BY priority) ORDER BY id",
    )
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
