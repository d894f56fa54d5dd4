//! `demo_store`: a configuration and a real store in a temporary folder,
//! holding the demo edition as `hwb-outcomes serve` installs it. Shared by
//! the test files that need a store behind the router. Its database is
//! SQLite, or PostgreSQL and an S3 bucket with `HWB_TEST_STORE=postgres`
//! (`database.rs`).

use hwb_outcomes::config::Config;
use hwb_outcomes::store::Store;
use std::collections::HashMap;
use std::sync::Arc;

#[path = "database.rs"]
mod database;

pub async fn demo_store(env: &[(&str, &str)]) -> (Config, Arc<Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<String, String> = [
        (
            "HWB_DATA_DIR".to_owned(),
            dir.path().join("data").to_string_lossy().into_owned(),
        ),
        (
            "LEPTOS_SITE_ROOT".to_owned(),
            dir.path().to_string_lossy().into_owned(),
        ),
    ]
    .into();
    for (var, value) in database::chosen().await.env() {
        vars.insert(var.to_owned(), value);
    }
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let store = Arc::new(
        Store::open_with(&config.data_dir, &config.database, &config.objects)
            .await
            .unwrap(),
    );
    hwb_outcomes::demo::install_if_empty(&store, &config)
        .await
        .unwrap();
    (config, store, dir)
}
