//! Publishing: what the management pages show (editions, the files each
//! added, the audit trail, users), read from the store before they render,
//! and the handlers in `routes` (publish, roll back, rebuild a stale draft,
//! the audit CSV).

pub mod routes;

use crate::store::{AuditEntry, Edition, User};
use std::collections::HashMap;
use std::sync::Arc;

/// Audit entries on one page of `/audit`.
pub const AUDIT_PAGE: i64 = 500;

/// What the management pages show (pages render synchronously, so it is
/// read before they do).
#[derive(Clone, Default)]
pub struct ManageData {
    pub editions: Arc<Vec<Edition>>,
    /// One page of the audit trail, newest first, and the page number.
    pub audit: Arc<Vec<AuditEntry>>,
    pub audit_page: i64,
    pub audit_total: i64,
    pub users: Arc<Vec<User>>,
    /// Per edition, the files it added (name, rows).
    pub files: Arc<HashMap<i64, Vec<(String, i64)>>>,
}

impl ManageData {
    /// The editions a rollback to `target` stops showing: those on the
    /// chain from the published edition back to it (newest first).
    pub fn rolled_back(&self, target: &Edition) -> Vec<&Edition> {
        let by_id: HashMap<i64, &Edition> = self.editions.iter().map(|e| (e.id, e)).collect();
        let mut removed = Vec::new();
        let mut at = self.editions.iter().find(|e| e.is_published);
        while let Some(e) = at {
            if e.id == target.id || removed.len() > self.editions.len() {
                return removed;
            }
            removed.push(e);
            at = e.base_id.and_then(|b| by_id.get(&b).copied());
        }
        removed
    }
}
