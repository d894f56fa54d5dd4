//! Machine-readable routes: the JSON API, the CSV of exactly what an
//! indicator page's table shows, and each chart as an SVG file. They read
//! the request's `View` (resolved in `web::resolve_view`) like pages do.

use super::respond::csv_download;
use super::state::AppState;
use crate::dataset::{ComparisonRow, Dataset, IndicatorData};
use crate::editions::View;
use crate::figures::{Params, Selection, compare_chart, select, trend_chart};
use axum::Router;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/indicators", get(list))
        .route("/api/v1/indicators/{id}", get(one))
        .route("/indicator/{id}/{chart}", get(chart_file))
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    #[derive(Serialize)]
    struct Problem {
        status: u16,
        error: String,
    }
    let body = Problem {
        status: status.as_u16(),
        error: message.into(),
    };
    (status, axum::Json(body)).into_response()
}

fn dataset(view: &View) -> Result<&Arc<Dataset>, Box<Response>> {
    if let Some(missing) = &view.missing {
        return Err(Box::new(problem(StatusCode::NOT_FOUND, missing.clone())));
    }
    view.dataset.as_ref().ok_or_else(|| {
        Box::new(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "No data edition has been published yet.",
        ))
    })
}

#[derive(Serialize)]
struct EditionJson<'a> {
    id: i64,
    label: &'a str,
    illustrative: bool,
    published_at: Option<&'a str>,
}

fn edition_json(d: &Dataset) -> EditionJson<'_> {
    EditionJson {
        id: d.edition.id,
        label: &d.edition.label,
        illustrative: d.edition.illustrative,
        published_at: d.edition.published_at.as_deref(),
    }
}

#[derive(Serialize)]
struct Summary<'a> {
    id: &'a str,
    title: &'a str,
    /// The slugs of the Board's priorities whose measures name it.
    priorities: Vec<&'a str>,
    unit: Option<&'a str>,
    polarity: Option<crate::domain::Polarity>,
    periods: Vec<&'a str>,
    breakdowns: Vec<String>,
    href: String,
}

fn summary<'a>(ind: &'a IndicatorData, board: &'a crate::board::Board) -> Summary<'a> {
    Summary {
        id: &ind.id,
        title: ind.title(),
        priorities: board
            .priorities_of(&ind.id)
            .map(|p| p.slug.as_str())
            .collect(),
        unit: ind.meta.as_ref().map(|m| m.unit.as_str()),
        polarity: ind.meta.as_ref().map(|m| m.polarity),
        periods: ind.periods.iter().map(|p| p.label.as_str()).collect(),
        breakdowns: ind.breakdowns.iter().map(|b| b.label()).collect(),
        href: format!("/api/v1/indicators/{}", ind.id),
    }
}

async fn list(State(state): State<AppState>, Extension(view): Extension<View>) -> Response {
    let d = match dataset(&view) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    #[derive(Serialize)]
    struct List<'a> {
        edition: EditionJson<'a>,
        indicators: Vec<Summary<'a>>,
    }
    axum::Json(List {
        edition: edition_json(d),
        indicators: d
            .indicators
            .iter()
            .map(|i| summary(i, &state.site.board))
            .collect(),
    })
    .into_response()
}

async fn one(
    State(state): State<AppState>,
    Extension(view): Extension<View>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let d = match dataset(&view) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let (id, csv) = match id.strip_suffix(".csv") {
        Some(id) => (id.to_owned(), true),
        None => (id, false),
    };
    let sel = match select(d, &state.site, &id, &params) {
        Ok(s) => s,
        Err(e) => return problem(StatusCode::NOT_FOUND, e),
    };
    let rows = sel.rows();
    if csv {
        return csv_response(&sel, d, &rows);
    }
    #[derive(Serialize)]
    struct One<'a> {
        edition: EditionJson<'a>,
        indicator: Summary<'a>,
        definition: Option<&'a str>,
        breakdown: String,
        area: &'a str,
        region: &'a str,
        nation: &'a str,
        recent_trend: Option<&'static str>,
        rows: Vec<ComparisonRow>,
    }
    let trend = sel
        .indicator
        .series(sel.breakdown, &sel.area)
        .and_then(|s| s.trend)
        .map(|t| t.label());
    axum::Json(One {
        edition: edition_json(d),
        indicator: summary(sel.indicator, &state.site.board),
        definition: sel.indicator.meta.as_ref().map(|m| m.description.as_str()),
        breakdown: sel
            .indicator
            .breakdowns
            .get(sel.breakdown)
            .map(|b| b.label())
            .unwrap_or_default(),
        area: &sel.area,
        region: &sel.region,
        nation: &sel.nation,
        recent_trend: trend,
        rows,
    })
    .into_response()
}

/// The CSV's header, in the order of the page's table.
pub const CSV_COLUMNS: [&str; 13] = [
    "period",
    "area_code",
    "area_name",
    "value",
    "lower_95",
    "upper_95",
    "region_value",
    "nation_value",
    "compared_region",
    "compared_nation",
    "count",
    "denominator",
    "value_note",
];

fn csv_response(sel: &Selection, d: &Dataset, rows: &[ComparisonRow]) -> Response {
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let name = format!(
        "{}-{}-edition-{}.csv",
        sel.indicator.id, sel.area, d.edition.id
    );
    csv_download(
        &name,
        &CSV_COLUMNS,
        rows.iter().map(|r| {
            [
                r.period.clone(),
                r.area_code.clone(),
                r.area_name.clone(),
                num(r.value),
                num(r.lower_95),
                num(r.upper_95),
                num(r.region_value),
                num(r.nation_value),
                r.compared_region.to_owned(),
                r.compared_nation.to_owned(),
                num(r.count),
                num(r.denominator),
                r.value_note.clone().unwrap_or_default(),
            ]
        }),
    )
}

/// `/indicator/{id}/trend.svg` and `/indicator/{id}/compare.svg`.
async fn chart_file(
    State(state): State<AppState>,
    Extension(view): Extension<View>,
    Path((id, chart)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> Response {
    let d = match dataset(&view) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let sel = match select(d, &state.site, &id, &params) {
        Ok(s) => s,
        Err(e) => return problem(StatusCode::NOT_FOUND, e),
    };
    let svg = match chart.as_str() {
        "trend.svg" => trend_chart(&sel, d),
        "compare.svg" => compare_chart(&sel, d),
        _ => {
            return problem(
                StatusCode::NOT_FOUND,
                "charts are trend.svg and compare.svg",
            );
        }
    };
    // A standalone file needs only the namespace plotters already writes.
    (
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response()
}
