//! hwb-outcomes: the outcomes dashboard of a Health and Wellbeing Board.
//!
//! Shared code (domain types and islands) compiles for both the server and
//! the browser bundle. Everything else is server-only and gated here, once:
//! the `hydrate` build never sees Polars, SQLite or plotters.
//! See ARCHITECTURE.md for the map.

// `!(x > 0.0)` is deliberate throughout: unlike `x <= 0.0` it also rejects
// NaN, which must never pass a check on user data.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod domain;
pub mod islands;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod analysis;
#[cfg(feature = "ssr")]
pub mod app;
#[cfg(feature = "ssr")]
pub mod areas;
#[cfg(feature = "ssr")]
pub mod board;
#[cfg(feature = "ssr")]
pub mod catalogue;
#[cfg(feature = "ssr")]
pub mod charts;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod commands;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod csv_out;
#[cfg(feature = "ssr")]
pub mod dataset;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod editions;
#[cfg(feature = "ssr")]
pub mod fetch;
#[cfg(feature = "ssr")]
pub mod figures;
#[cfg(feature = "ssr")]
pub mod frame;
#[cfg(feature = "ssr")]
pub mod ingest;
#[cfg(feature = "ssr")]
pub mod metadata;
#[cfg(feature = "ssr")]
pub mod numbers;
#[cfg(feature = "ssr")]
pub mod pages;
#[cfg(feature = "ssr")]
pub mod plan;
#[cfg(feature = "ssr")]
pub mod preview;
#[cfg(feature = "ssr")]
pub mod publishing;
#[cfg(feature = "ssr")]
pub mod site;
#[cfg(feature = "ssr")]
pub mod stats;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod uploads;
#[cfg(feature = "ssr")]
pub mod web;

/// Entry point of the browser bundle: wakes the islands on the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
