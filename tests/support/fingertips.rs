//! A fake of the public Fingertips API on loopback, written for these tests
//! from `../shared/research/fingertips-api.md`: the routes a dashboard uses
//! (data and metadata by indicator ID and by profile), the real byte format
//! (27 data columns, CRLF line ends, minimal quoting; 32 metadata columns
//! with padded polarity strings), rows England, then regions, then
//! upper-tier areas per period, a header-only answer for an ID it does not
//! know or an area type without the indicator, and misbehaviour on demand.

#![allow(dead_code)]

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hwb_outcomes::areas::{AreaKind, Gazetteer};
use hwb_outcomes::catalogue::Catalogue;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DATA_HEADER: [&str; 27] = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
];

pub const METADATA_HEADER: [&str; 32] = [
    "Indicator ID",
    "Indicator",
    "Indicator number",
    "Rationale",
    "Specific rationale",
    "Definition",
    "Data source",
    "Indicator source",
    "Definition of numerator",
    "Source of numerator",
    "Definition of denominator",
    "Source of denominator",
    "Methodology",
    "Standard population/values",
    "Frequency",
    "Confidence interval details",
    "Disclosure control",
    "Rounding",
    "Caveats",
    "Notes",
    "Impact of COVID-19",
    "Copyright",
    "Data re-use",
    "Links",
    "Indicator Content",
    "Simple Name",
    "Simple Definition",
    "Unit",
    "Value type",
    "Year type",
    "Polarity",
    "Date updated",
];

/// An indicator the fake serves.
#[derive(Clone)]
pub struct Served {
    pub id: String,
    pub name: String,
    pub sex: String,
    pub unit: String,
    pub value_type: String,
    /// As the metadata CSV writes it, padded.
    pub polarity: String,
    pub base: f64,
    /// Served only under this child area type.
    pub area_type: u32,
}

/// What the fake does with the next requests.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Normal,
    /// 500 for every request.
    ServerError,
    /// Waits this long before answering.
    Slow(Duration),
    /// Half a body, cut mid-line.
    Truncated,
    /// 200 with a proxy's HTML block page.
    Html,
}

pub struct Fake {
    pub addr: SocketAddr,
    pub state: Arc<FakeState>,
}

pub struct FakeState {
    pub mode: Mutex<Mode>,
    /// Requests to answer with 500 before behaving (a passing outage).
    pub fail_first: AtomicUsize,
    /// Every request's path and query, in arrival order.
    pub requests: Mutex<Vec<String>>,
    /// Every data CSV served whole, in arrival order.
    pub served: Mutex<Vec<String>>,
    pub indicators: Vec<Served>,
}

impl Fake {
    pub fn url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn set(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }
}

/// The catalogue's Fingertips indicators, one the catalogue does not list
/// (RAG, low is good, its name with a comma and a line break), and one
/// discontinued (served only for the pre-2023 upper-tier type).
pub fn indicators() -> Vec<Served> {
    let catalogue = Catalogue::bundled();
    let mut out: Vec<Served> = catalogue
        .iter()
        .filter(|i| i.id.bytes().all(|b| b.is_ascii_digit()))
        .map(|i| {
            let sex = i.breakdowns[0].clone();
            Served {
                id: i.id.clone(),
                name: i.name.clone(),
                base: i.typical.get(&sex).copied().unwrap_or(50.0),
                sex,
                unit: i.unit.clone(),
                value_type: "Proportion".into(),
                polarity: "RAG - High is good  ".into(),
                area_type: 502,
            }
        })
        .collect();
    out.push(Served {
        id: "93999".into(),
        name: "Smoking prevalence, routine and manual\noccupations".into(),
        sex: "Persons".into(),
        unit: "%".into(),
        value_type: "Proportion".into(),
        polarity: "RAG - Low is good   ".into(),
        base: 24.0,
        area_type: 502,
    });
    out.push(Served {
        id: "99001".into(),
        name: "A discontinued indicator".into(),
        sex: "Persons".into(),
        unit: "per 100,000".into(),
        value_type: "Crude rate".into(),
        polarity: "RAG - Low is good   ".into(),
        base: 350.0,
        area_type: 402,
    });
    out
}

pub async fn start() -> Fake {
    let state = Arc::new(FakeState {
        mode: Mutex::new(Mode::Normal),
        fail_first: AtomicUsize::new(0),
        requests: Mutex::new(Vec::new()),
        served: Mutex::new(Vec::new()),
        indicators: indicators(),
    });
    let app = axum::Router::new()
        .route("/api/all_data/csv/by_indicator_id", get(data_by_id))
        .route("/api/all_data/csv/by_profile_id", get(data_by_profile))
        .route(
            "/api/indicator_metadata/csv/by_indicator_id",
            get(metadata_by_id),
        )
        .route(
            "/api/indicator_metadata/csv/by_profile_id",
            get(metadata_by_profile),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Fake { addr, state }
}

type Params = Query<HashMap<String, String>>;

fn ids(params: &HashMap<String, String>, key: &str) -> Vec<String> {
    params
        .get(key)
        .map(|s| {
            s.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

async fn data_by_id(State(s): State<Arc<FakeState>>, Query(p): Params) -> Response {
    let wanted = ids(&p, "indicator_ids");
    if wanted.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            "IndicatorIds cannot be null or empty",
        )
            .into_response();
    }
    let child: u32 = p
        .get("child_area_type_id")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    answer(&s, &p, "by_indicator_id", || {
        let chosen: Vec<&Served> = wanted
            .iter()
            .filter_map(|id| {
                s.indicators
                    .iter()
                    .find(|i| &i.id == id && i.area_type == child)
            })
            .collect();
        (data_csv(&chosen, child), "indicators-CountyUA.data.csv")
    })
    .await
}

async fn data_by_profile(State(s): State<Arc<FakeState>>, Query(p): Params) -> Response {
    let child: u32 = p
        .get("child_area_type_id")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    answer(&s, &p, "by_profile_id", || {
        // Profile 999: the indicators the catalogue does not list.
        let chosen: Vec<&Served> = if p.get("profile_id").map(String::as_str) == Some("999") {
            s.indicators
                .iter()
                .filter(|i| i.id == "93999" && i.area_type == child)
                .collect()
        } else {
            Vec::new()
        };
        (data_csv(&chosen, child), "indicators-CountyUA.data.csv")
    })
    .await
}

async fn metadata_by_id(State(s): State<Arc<FakeState>>, Query(p): Params) -> Response {
    let wanted = ids(&p, "indicator_ids");
    answer(&s, &p, "metadata_by_id", || {
        let chosen: Vec<&Served> = wanted
            .iter()
            .filter_map(|id| s.indicators.iter().find(|i| &i.id == id))
            .collect();
        (metadata_csv(&chosen), "indicators.metadata.csv")
    })
    .await
}

async fn metadata_by_profile(State(s): State<Arc<FakeState>>, Query(p): Params) -> Response {
    answer(&s, &p, "metadata_by_profile", || {
        let chosen: Vec<&Served> = if p.get("profile_id").map(String::as_str) == Some("999") {
            s.indicators.iter().filter(|i| i.id == "93999").collect()
        } else {
            Vec::new()
        };
        (metadata_csv(&chosen), "profile.metadata.csv")
    })
    .await
}

/// Records the request, misbehaves as told, or sends the CSV as the API
/// does: 200, octet-stream, an attachment.
async fn answer(
    s: &FakeState,
    p: &HashMap<String, String>,
    route: &str,
    body: impl FnOnce() -> (String, &'static str),
) -> Response {
    let mut query: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
    query.sort();
    s.requests
        .lock()
        .unwrap()
        .push(format!("{route}?{}", query.join("&")));
    if s.fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Timeout expired.").into_response();
    }
    let mode = s.mode.lock().unwrap().clone();
    match mode {
        Mode::ServerError => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Object reference not set to an instance of an object.",
            )
                .into_response();
        }
        Mode::Html => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body><h1>Access to this site is blocked</h1></body></html>\r\n",
            )
                .into_response();
        }
        Mode::Slow(d) => tokio::time::sleep(d).await,
        Mode::Truncated | Mode::Normal => {}
    }
    let (mut text, file_name) = body();
    if route.starts_with("by_") {
        s.served.lock().unwrap().push(text.clone());
    }
    if mode == Mode::Truncated {
        let mut cut = text.len() / 2;
        while !text.is_char_boundary(cut) || text.as_bytes()[cut - 1] == b'\n' {
            cut -= 1;
        }
        text.truncate(cut);
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename={file_name}"),
            ),
        ],
        text,
    )
        .into_response()
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new())
}

/// A number in [0, 1) from a string, the same every run.
fn unit_hash(s: &str) -> f64 {
    let mut h: u64 = 1469598103934665603;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(1099511628211);
    }
    (h >> 11) as f64 / (1u64 << 53) as f64
}

const PERIODS: [(&str, &str); 3] = [
    ("2020/21", "20200000"),
    ("2021/22", "20210000"),
    ("2022/23", "20220000"),
];

/// One row's numbers: value, 95% limits, count and denominator.
fn numbers(ind: &Served, area: &str, period: &str) -> (f64, f64, f64, Option<(f64, f64)>) {
    let h = unit_hash(&format!("{}|{area}|{period}", ind.id));
    let mut v = ind.base * (0.8 + 0.4 * h);
    if ind.unit == "%" {
        v = v.clamp(1.0, 95.0);
    }
    let half = v * (0.02 + 0.06 * unit_hash(&format!("{area}{period}")));
    let upper = if ind.unit == "%" {
        (v + half).min(100.0)
    } else {
        v + half
    };
    let counts = (ind.unit == "%").then(|| {
        let d = 800.0 + (4000.0 * h).floor();
        (v / 100.0 * d, d)
    });
    (v, v - half, upper, counts)
}

fn judge(v: f64, lo: f64, hi: f64, bench: f64, polarity: &str) -> &'static str {
    if lo <= bench && bench <= hi {
        "Similar"
    } else if (v > bench) == polarity.contains("High") {
        "Better"
    } else {
        "Worse"
    }
}

/// The data CSV for these indicators under one child area type.
pub fn data_csv(chosen: &[&Served], child: u32) -> String {
    let g = Gazetteer::bundled();
    let england = g.get("E92000001").unwrap();
    let regions: Vec<_> = g.iter().filter(|a| a.kind == AreaKind::Region).collect();
    let area_type = if child == 402 {
        "Counties & UAs (2021/22-2022/23)"
    } else {
        "Counties & UAs (from Apr 2023)"
    };
    let mut w = writer();
    w.write_record(DATA_HEADER).unwrap();
    for ind in chosen {
        for (pi, (period, sortable)) in PERIODS.iter().enumerate() {
            let latest = pi == PERIODS.len() - 1;
            let (ev, ..) = numbers(ind, &england.code, period);
            let mut areas: Vec<(&str, &str, &str, &str, &str)> = vec![(
                "",
                "",
                england.code.as_str(),
                england.name.as_str(),
                "England",
            )];
            for r in &regions {
                areas.push((
                    england.code.as_str(),
                    england.name.as_str(),
                    r.code.as_str(),
                    r.name.as_str(),
                    "Regions (statistical)",
                ));
            }
            for r in &regions {
                for a in g.upper_tier_in(&r.code) {
                    areas.push((
                        r.code.as_str(),
                        r.name.as_str(),
                        a.code.as_str(),
                        a.name.as_str(),
                        area_type,
                    ));
                }
            }
            let last = areas.len() - 1;
            for (k, (pc, pn, code, name, at)) in areas.into_iter().enumerate() {
                let (v, lo, hi, counts) = numbers(ind, code, period);
                let suppressed = pi == 0 && k == last;
                let f = |x: f64| x.to_string();
                let (value, lower, upper, note) = if suppressed {
                    (
                        String::new(),
                        String::new(),
                        String::new(),
                        "Value suppressed for disclosure control due to small count",
                    )
                } else {
                    (f(v), f(lo), f(hi), "")
                };
                let (count, denom) = match (counts, suppressed) {
                    (Some((c, d)), false) => (f(c), f(d)),
                    _ => (String::new(), String::new()),
                };
                let vs_england = if code == england.code.as_str() || suppressed {
                    "Not compared"
                } else {
                    judge(v, lo, hi, ev, &ind.polarity)
                };
                let vs_region = if pc.is_empty() || pc == england.code.as_str() || suppressed {
                    "Not compared"
                } else {
                    let (rv, ..) = numbers(ind, pc, period);
                    judge(v, lo, hi, rv, &ind.polarity)
                };
                let trend = if latest { "Cannot be calculated" } else { "" };
                w.write_record([
                    ind.id.as_str(),
                    &ind.name,
                    pc,
                    pn,
                    code,
                    name,
                    at,
                    &ind.sex,
                    "All ages",
                    "",
                    "",
                    period,
                    &value,
                    &lower,
                    &upper,
                    "",
                    "",
                    &count,
                    &denom,
                    note,
                    trend,
                    vs_england,
                    vs_region,
                    sortable,
                    "",
                    "",
                    "1y",
                ])
                .unwrap();
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

pub fn metadata_csv(chosen: &[&Served]) -> String {
    let mut w = writer();
    w.write_record(METADATA_HEADER).unwrap();
    for ind in chosen {
        let mut row = vec![String::new(); METADATA_HEADER.len()];
        row[0] = ind.id.clone();
        row[1] = ind.name.clone();
        row[5] = format!("{}, as a rate or percentage", ind.name.replace('\n', " "));
        row[27] = ind.unit.clone();
        row[28] = ind.value_type.clone();
        row[29] = "Financial".into();
        row[30] = ind.polarity.clone();
        row[31] = "2026-11-01".into();
        w.write_record(&row).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}
