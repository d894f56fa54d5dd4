//! The store's contract, run on every backend: SQLite with a folder, and
//! PostgreSQL with an S3 bucket when their test servers are there
//! (`support/database.rs`). Two `Store` handles on one backend stand for
//! two servers sharing it; on PostgreSQL and S3 each has a local folder of
//! its own, as two machines would.

use hwb_outcomes::areas::Gazetteer;
use hwb_outcomes::board::{Assessment, Status};
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::ingest::{self, Context};
use hwb_outcomes::store::{
    AttemptLimits, Base, DraftClaim, Edition, Engine, Objects, Role, Store, StoreError,
};
use std::path::{Path, PathBuf};

#[path = "support/database.rs"]
mod database;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/template-example.csv");

use database::Backend;

/// Runs `test` once per backend, each time with a new store in a new folder.
fn on_every_engine<F: std::future::Future<Output = ()>>(test: impl Fn(Backend, PathBuf) -> F) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for backend in database::engines().await {
            let dir = tempfile::tempdir().unwrap();
            eprintln!("on {backend:?}");
            test(backend, dir.path().join("data")).await;
        }
    });
}

async fn open(backend: &Backend, dir: &Path) -> Store {
    Store::open_with(dir, &backend.database, &backend.objects)
        .await
        .unwrap()
}

/// A second server on the same backend: its own local folder where the
/// files are shared (a bucket), the same one where they are not.
async fn open_second(backend: &Backend, dir: &Path) -> Store {
    match backend.objects {
        Objects::Folder => open(backend, dir).await,
        Objects::S3(_) => open(backend, &dir.with_extension("second")).await,
    }
}

/// Keeps the example template as an upload; returns its id.
async fn upload(store: &Store) -> i64 {
    let bytes = std::fs::read(EXAMPLE).unwrap();
    let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
    let mut frame = ingest::read("template-example.csv", &bytes, None, &Context::new(&c, &g))
        .frame
        .expect("the example is valid");
    store
        .add_upload(
            "template-example.csv",
            &bytes,
            "template",
            &mut frame,
            "ana",
        )
        .await
        .unwrap()
        .id
}

async fn draft(store: &Store, on: Base, label: &str, illustrative: bool) -> Edition {
    let id = upload(store).await;
    store
        .create_edition_on(on, label, &[id], illustrative, "ana", |d, m| Ok((d, m)))
        .await
        .unwrap()
}

#[test]
fn editions_are_built_published_and_rolled_back() {
    on_every_engine(|backend, dir| async move {
        let store = open(&backend, &dir).await;
        assert_eq!(store.engine(), backend.database.engine());
        assert!(store.published().await.unwrap().is_none());
        let first = draft(&store, Base::Published, "First", true).await;
        assert!(first.illustrative, "a flag survives the round trip");
        assert_eq!((first.base_id, first.rows), (None, 4));
        assert!(!store.edition(first.id).await.unwrap().is_published);
        store.publish(first.id, "ana").await.unwrap();

        let second = draft(&store, Base::Published, "Second", false).await;
        assert_eq!(second.base_id, Some(first.id));
        assert!(!second.illustrative);
        let published = store.publish(second.id, "ana").await.unwrap();
        assert!(published.is_published && published.published_at.is_some());
        assert_eq!(store.edition_upload_ids(second.id).await.unwrap().len(), 1);

        // Publishing the first again is a rollback.
        store.publish(first.id, "ana").await.unwrap();
        let editions = store.editions().await.unwrap();
        let shown: Vec<_> = editions
            .iter()
            .map(|e| (e.id, e.is_published, e.published_at.is_some()))
            .collect();
        assert_eq!(
            shown,
            [(second.id, false, true), (first.id, true, true)],
            "newest first; one published"
        );
        let (audit, total) = store.audit_page(0, 10).await.unwrap();
        assert_eq!(audit[0].action, "roll back");
        assert_eq!(
            total, 7,
            "two uploads, two editions, two publishes and a rollback"
        );
        let frame = store
            .edition_frame(&store.published().await.unwrap().unwrap())
            .await
            .unwrap();
        assert_eq!(frame.height(), 4);
        let uploads = store.uploads().await.unwrap();
        assert_eq!(uploads.len(), 2);

        // Another server reads the same files: from the bucket, when there
        // is one, and nothing of them is left in the first's folder.
        let other = open_second(&backend, &dir).await;
        let edition = other.edition(second.id).await.unwrap();
        assert_eq!(other.edition_frame(&edition).await.unwrap().height(), 4);
        assert_eq!(
            other.upload_bytes(&uploads[0].sha256).await.unwrap(),
            std::fs::read(EXAMPLE).unwrap()
        );
        let local = dir.join("editions").join(format!("{}.parquet", second.id));
        assert_eq!(
            local.exists(),
            backend.objects == Objects::Folder,
            "{}",
            local.display()
        );
        let staged: Vec<_> = std::fs::read_dir(dir.join("uploads"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("staging-"))
            .collect();
        assert!(staged.is_empty(), "staged files are removed: {staged:?}");
    });
}

#[test]
fn a_stale_draft_is_refused_then_rebuilt_on_what_is_published() {
    on_every_engine(|backend, dir| async move {
        let store = open(&backend, &dir).await;
        let base = draft(&store, Base::Published, "Base", false).await;
        store.publish(base.id, "ana").await.unwrap();
        let a = draft(&store, Base::Edition(Some(base.id)), "A", false).await;
        let b = draft(&store, Base::Edition(Some(base.id)), "B", false).await;
        store.publish(a.id, "ana").await.unwrap();
        let err = store.publish(b.id, "ana").await.unwrap_err();
        assert!(
            matches!(err, StoreError::Stale { edition, current, .. } if edition == b.id && current == a.id),
            "{err}"
        );
        let rebuilt = store
            .rebuild_edition(b.id, "ana", |d, m| Ok((d, m)))
            .await
            .unwrap();
        assert_eq!(rebuilt.base_id, Some(a.id));
        store.publish(rebuilt.id, "ana").await.unwrap();
        assert_eq!(store.published().await.unwrap().unwrap().id, rebuilt.id);
    });
}

#[test]
fn two_servers_publishing_drafts_of_one_base_at_once_publish_exactly_one() {
    on_every_engine(|backend, dir| async move {
        let one = open(&backend, &dir).await;
        let two = open_second(&backend, &dir).await;
        let base = draft(&one, Base::Published, "Base", false).await;
        one.publish(base.id, "ana").await.unwrap();
        for round in 0..5 {
            let current = one.published().await.unwrap().map(|e| e.id);
            let a = draft(&one, Base::Edition(current), "A", false).await;
            let b = draft(&two, Base::Edition(current), "B", false).await;
            let (ra, rb) = tokio::join!(one.publish(a.id, "ana"), two.publish(b.id, "bo"));
            let stale =
                |r: &Result<Edition, StoreError>| matches!(r, Err(StoreError::Stale { .. }));
            assert!(
                (ra.is_ok() && stale(&rb)) || (rb.is_ok() && stale(&ra)),
                "round {round}: one publishes, the other is told it is stale: {ra:?} {rb:?}"
            );
            let winner = if ra.is_ok() { a.id } else { b.id };
            assert_eq!(two.published().await.unwrap().unwrap().id, winner);
            assert_eq!(one.published().await.unwrap().unwrap().id, winner);
        }
    });
}

#[test]
fn a_session_made_on_one_server_is_valid_on_another_until_it_ends() {
    on_every_engine(|backend, dir| async move {
        let one = open(&backend, &dir).await;
        let two = open_second(&backend, &dir).await;
        let user = one
            .add_user("Ana@Example.org", Role::Analyst, "hash", "cli")
            .await
            .unwrap();
        assert!(user.active && !user.must_change_password);
        one.create_session("token-1", &user, "2999-01-01T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(
            two.session_user("token-1").await.unwrap(),
            Some(user.clone())
        );
        two.end_session("token-1", &user).await.unwrap();
        assert_eq!(one.session_user("token-1").await.unwrap(), None);

        // An expired session is no session.
        one.create_session("token-2", &user, "2000-01-01T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(two.session_user("token-2").await.unwrap(), None);

        // Disabling ends sessions everywhere; so does a reset, but for none
        // kept.
        one.create_session("token-3", &user, "2999-01-01T00:00:00Z")
            .await
            .unwrap();
        let disabled = two.set_user_active(user.id, false, "admin").await.unwrap();
        assert!(!disabled.active);
        assert_eq!(one.session_user("token-3").await.unwrap(), None);
        let user = one.set_user_active(user.id, true, "admin").await.unwrap();
        one.create_session("token-4", &user, "2999-01-01T00:00:00Z")
            .await
            .unwrap();
        two.set_password(&user, "new hash", &user, Some("token-4"))
            .await
            .unwrap();
        assert!(one.session_user("token-4").await.unwrap().is_some(), "kept");
        let admin = one
            .add_user("admin@example.org", Role::Admin, "hash", "cli")
            .await
            .unwrap();
        two.set_password(&user, "reset hash", &admin, None)
            .await
            .unwrap();
        assert_eq!(one.session_user("token-4").await.unwrap(), None);
        let (reset, hash) = one
            .user_for_login("ana@example.org")
            .await
            .unwrap()
            .unwrap();
        assert!(reset.must_change_password);
        assert_eq!(hash, "reset hash");
    });
}

#[test]
fn one_user_per_address_whatever_its_case() {
    on_every_engine(|backend, dir| async move {
        let store = open(&backend, &dir).await;
        store
            .add_user("Ana@Example.org", Role::Analyst, "hash", "cli")
            .await
            .unwrap();
        let err = store
            .add_user("ana@example.ORG", Role::Admin, "hash", "cli")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("already a user"), "{err}");
        let (user, _) = store
            .user_for_login("ANA@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.email, "Ana@Example.org", "kept as written");
        assert_eq!(store.users().await.unwrap().len(), 1);
    });
}

#[test]
fn sign_in_attempts_stop_at_each_limit_shared_by_every_server() {
    on_every_engine(|backend, dir| async move {
        let one = open(&backend, &dir).await;
        let two = open_second(&backend, &dir).await;
        let limits = AttemptLimits {
            per_account_and_address: 3,
            per_address: 5,
            per_account: 4,
        };
        let since = "2000-01-01T00:00:00Z";
        let mut reserved = 0;
        for i in 0..6 {
            let store = if i % 2 == 0 { &one } else { &two };
            if store
                .reserve_login_attempt("ana@example.org", "10.0.0.1", since, limits)
                .await
                .unwrap()
                .is_some()
            {
                reserved += 1;
            }
        }
        assert_eq!(reserved, 3, "per account and address");
        assert_eq!(
            one.login_failures_since("ana@example.org", "10.0.0.1", since)
                .await
                .unwrap(),
            3
        );
        // The same account from elsewhere: one more before the account limit.
        let other = two
            .reserve_login_attempt("ana@example.org", "10.0.0.2", since, limits)
            .await
            .unwrap();
        assert!(other.is_some());
        assert!(
            two.reserve_login_attempt("ana@example.org", "10.0.0.3", since, limits)
                .await
                .unwrap()
                .is_none(),
            "per account"
        );
        // A success stops counting.
        one.clear_login_attempt(other.unwrap()).await.unwrap();
        assert!(
            one.reserve_login_attempt("ana@example.org", "10.0.0.3", since, limits)
                .await
                .unwrap()
                .is_some()
        );
        // Pruning forgets what is outside the window.
        one.prune_accounts("2999-01-01T00:00:00Z").await.unwrap();
        assert_eq!(
            two.login_failures_since("ana@example.org", "10.0.0.1", since)
                .await
                .unwrap(),
            0
        );
    });
}

#[test]
fn progress_and_key_messages_carry_to_the_next_edition_as_recorded() {
    on_every_engine(|backend, dir| async move {
        let store = open(&backend, &dir).await;
        let first = draft(&store, Base::Published, "First", false).await;
        store
            .record_progress(
                first.id,
                "cyp-1",
                (Status::OnTrack, "Going well", "2026-11-30"),
                "ana",
            )
            .await
            .unwrap();
        store
            .record_message(first.id, "cancer", "Screening is up.", "ana")
            .await
            .unwrap();
        store.publish(first.id, "ana").await.unwrap();
        let err = store
            .record_message(first.id, "cancer", "Too late", "ana")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("has been published"), "{err}");

        let second = draft(&store, Base::Published, "Second", false).await;
        let plan = store.edition_plan(second.id).await.unwrap();
        let progress = &plan.progress["cyp-1"];
        assert_eq!(
            (
                progress.status,
                progress.note.as_str(),
                progress.as_of.as_str()
            ),
            (Status::OnTrack, "Going well", "2026-11-30")
        );
        assert!(
            plan.messages.is_empty(),
            "key messages are each meeting's own"
        );
        store
            .record_progress(
                second.id,
                "cyp-1",
                (Status::Done, "Finished", "2027-02-28"),
                "bo",
            )
            .await
            .unwrap();
        let plan = store.edition_plan(second.id).await.unwrap();
        assert_eq!(plan.progress["cyp-1"].status, Status::Done);
        assert_eq!(plan.progress["cyp-1"].recorded_by, "bo");
        let before = store.edition_plan(first.id).await.unwrap();
        assert_eq!(
            before.progress["cyp-1"].status,
            Status::OnTrack,
            "the first keeps its own"
        );
        assert_eq!(before.messages["cancer"], "Screening is up.");
    });
}

#[test]
fn assessments_read_back_as_recorded() {
    on_every_engine(|backend, dir| async move {
        let store = open(&backend, &dir).await;
        let mut a = Assessment {
            date: "2026-10-01".into(),
            label: "Autumn review".into(),
            levels: Default::default(),
            notes: Default::default(),
            overall: "developing".into(),
            trajectory: "improving".into(),
            source: String::new(),
        };
        a.levels.insert("leadership".into(), "maturing".into());
        a.levels.insert("data".into(), "developing".into());
        a.notes
            .insert("data".into(), "A shared record is planned.".into());
        store.add_assessment(&a, "ana").await.unwrap();
        let got = store.assessments().await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].levels, a.levels);
        assert_eq!(got[0].notes["data"], "A shared record is planned.");
        assert_eq!(got[0].source, "recorded by ana");
        assert_eq!(
            (got[0].date.as_str(), got[0].label.as_str()),
            ("2026-10-01", "Autumn review")
        );
    });
}

#[test]
fn opening_again_keeps_everything_and_migrates_nothing_twice() {
    on_every_engine(|backend, dir| async move {
        let store = open(&backend, &dir).await;
        let e = draft(&store, Base::Published, "Kept", false).await;
        drop(store);
        let again = open(&backend, &dir).await;
        assert_eq!(again.edition(e.id).await.unwrap(), e);
        assert_eq!(again.engine(), backend.database.engine());
        assert_eq!(again.uploads().await.unwrap().len(), 1);
    });
}

#[test]
fn a_bucket_that_cannot_be_listed_stops_the_store_opening_with_its_name() {
    if database::chosen_bucket().is_none() {
        return; // said why
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = Objects::S3("s3://hwb-no-such-bucket/halton".into());
    let err = rt
        .block_on(Store::open_with(
            dir.path(),
            &hwb_outcomes::store::Database::Sqlite,
            &missing,
        ))
        .err()
        .expect("a missing bucket is refused");
    let text = err.to_string();
    assert!(
        text.contains("s3://hwb-no-such-bucket/halton cannot be listed"),
        "{text}"
    );
}

#[test]
fn a_publish_is_announced_to_another_server_on_postgres() {
    on_every_engine(|backend, dir| async move {
        let one = open(&backend, &dir).await;
        let two = open_second(&backend, &dir).await;
        let Some(mut heard) = two.publishes().await.unwrap() else {
            assert_eq!(backend.database.engine(), Engine::Sqlite, "SQLite polls");
            return;
        };
        let e = draft(&one, Base::Published, "Announced", false).await;
        one.publish(e.id, "ana").await.unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), heard.next())
            .await
            .expect("announced within 5 s")
            .unwrap();
    });
}

#[test]
fn upload_results_drafts_and_limits_are_shared_by_every_server() {
    on_every_engine(|backend, dir| async move {
        let one = open(&backend, &dir).await;
        let two = open_second(&backend, &dir).await;
        let long_ago = "2000-01-01T00:00:00Z";
        one.keep_result("tok-1", "ana@example.org", "{\"a\":1}", 10, long_ago)
            .await
            .unwrap();
        let kept = two
            .kept_result("tok-1", "ana@example.org", long_ago)
            .await
            .unwrap()
            .expect("kept for every server");
        assert_eq!((kept.json.as_str(), kept.draft_id), ("{\"a\":1}", None));
        assert_eq!(
            two.kept_result("tok-1", "bo@example.org", long_ago)
                .await
                .unwrap(),
            None,
            "for its owner only"
        );
        assert_eq!(
            two.kept_result("tok-1", "ana@example.org", "2999-01-01T00:00:00Z")
                .await
                .unwrap(),
            None,
            "expired"
        );

        // Two submits of one draft, to two servers at once: one builds it.
        let until = "2999-01-01T00:00:00Z";
        let (a, b) = tokio::join!(
            one.claim_draft("tok-1", "ana@example.org", until),
            two.claim_draft("tok-1", "ana@example.org", until)
        );
        let mut claims = [a.unwrap(), b.unwrap()];
        claims.sort_by_key(|c| format!("{c:?}"));
        assert_eq!(claims, [DraftClaim::Busy, DraftClaim::Claimed]);
        let e = draft(&one, Base::Published, "From the upload", false).await;
        one.finish_draft("tok-1", Ok(e.id)).await.unwrap();
        assert_eq!(
            two.claim_draft("tok-1", "ana@example.org", until)
                .await
                .unwrap(),
            DraftClaim::Made(e.id)
        );
        assert_eq!(
            two.claim_draft("tok-1", "bo@example.org", until)
                .await
                .unwrap(),
            DraftClaim::Missing
        );
        // A failed build says why and can be tried again.
        one.keep_result("tok-2", "ana@example.org", "{}", 10, long_ago)
            .await
            .unwrap();
        let claim = one.claim_draft("tok-2", "ana@example.org", until).await;
        assert_eq!(claim.unwrap(), DraftClaim::Claimed);
        one.finish_draft("tok-2", Err("no data")).await.unwrap();
        let kept = two
            .kept_result("tok-2", "ana@example.org", long_ago)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.draft_error.as_deref(), Some("no data"));
        let claim = two.claim_draft("tok-2", "ana@example.org", until).await;
        assert_eq!(claim.unwrap(), DraftClaim::Claimed);

        // Each owner keeps their newest few.
        for i in 0..4 {
            two.keep_result(&format!("bo-{i}"), "bo@example.org", "{}", 3, long_ago)
                .await
                .unwrap();
        }
        let mut held = 0;
        for i in 0..4 {
            let token = format!("bo-{i}");
            let kept = one.kept_result(&token, "bo@example.org", long_ago).await;
            held += usize::from(kept.unwrap().is_some());
        }
        assert_eq!(held, 3);
        assert!(
            one.kept_result("bo-3", "bo@example.org", long_ago)
                .await
                .unwrap()
                .is_some(),
            "the newest is kept"
        );

        // The rate limit counts uploads to every server.
        let mut allowed = 0;
        for i in 0..7 {
            let store = if i % 2 == 0 { &one } else { &two };
            if store
                .allow_attempt("ana@example.org", long_ago, 5)
                .await
                .unwrap()
            {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 5);
        assert!(
            one.allow_attempt("bo@example.org", long_ago, 5)
                .await
                .unwrap()
        );

        // One fetch at a time, whichever server is asked; its progress is
        // read on any.
        assert!(
            one.start_fetch_job("f-1", "ana@example.org", long_ago, long_ago)
                .await
                .unwrap()
        );
        assert!(
            !two.start_fetch_job("f-2", "bo@example.org", long_ago, long_ago)
                .await
                .unwrap()
        );
        one.update_fetch_job("f-1", "running", "", (3, 9))
            .await
            .unwrap();
        let row = two
            .fetch_job("f-1", "ana@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.state.as_str(), row.done, row.planned),
            ("running", 3, 9)
        );
        assert_eq!(two.fetch_job("f-1", "bo@example.org").await.unwrap(), None);
        // A running fetch whose server went silent does not block another.
        assert!(
            two.start_fetch_job("f-3", "bo@example.org", "2999-01-01T00:00:00Z", long_ago)
                .await
                .unwrap()
        );
        one.update_fetch_job("f-1", "done", "tok-1", (0, 0))
            .await
            .unwrap();
        let row = two
            .fetch_job("f-1", "ana@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((row.state.as_str(), row.detail.as_str()), ("done", "tok-1"));
    });
}
