//! `hwb-outcomes stats METHOD`: the statistics engine on CSV, stdin to
//! stdout, with PHEindicatormethods' column names. Input columns are kept;
//! results are added. A row (or group) that cannot be computed gets its
//! reason in an `error` column; only unreadable input fails the command.

use crate::domain::Polarity;
use crate::stats::{self, compare, dsr, isr, life_expectancy, mean, trend};
use std::collections::BTreeMap;
use std::io::Read;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    Proportion,
    Rate,
    Dsr,
    Isr,
    Mean,
    LifeExpectancy,
    Compare,
    Trend,
}

struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn require(&self, names: &[&str]) -> Result<Vec<usize>, String> {
        names
            .iter()
            .map(|n| {
                self.col(n).ok_or_else(|| {
                    format!(
                        "the input has no {n:?} column; it needs: {}",
                        names.join(", ")
                    )
                })
            })
            .collect()
    }

    /// Row indices by the `group` column (one group "" when there is none),
    /// in first-seen order.
    fn groups(&self) -> Vec<(String, Vec<usize>)> {
        let g = self.col("group");
        let mut order: Vec<String> = Vec::new();
        let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            let key = g.map_or(String::new(), |g| row.get(g).cloned().unwrap_or_default());
            if !members.contains_key(&key) {
                order.push(key.clone());
            }
            members.entry(key).or_default().push(i);
        }
        order
            .into_iter()
            .map(|k| (k.clone(), members.remove(&k).unwrap_or_default()))
            .collect()
    }
}

fn fmt(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// A number from a cell: `Ok(None)` when empty or NA.
fn cell(row: &[String], i: usize, name: &str) -> Result<Option<f64>, String> {
    let s = row.get(i).map_or("", |s| s.trim());
    if s.is_empty() || s == "NA" {
        return Ok(None);
    }
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| format!("{name} {s:?} is not a number"))
}

fn required(row: &[String], i: usize, name: &str) -> Result<f64, String> {
    cell(row, i, name)?.ok_or_else(|| format!("{name} is missing"))
}

/// The result columns for confidence limits, PHEindicatormethods style.
fn limit_columns(levels: &[f64]) -> Vec<String> {
    if levels.len() == 1 {
        vec!["lowercl".into(), "uppercl".into()]
    } else {
        vec![
            "lower95_0cl".into(),
            "upper95_0cl".into(),
            "lower99_8cl".into(),
            "upper99_8cl".into(),
        ]
    }
}

fn confidence_label(levels: &[f64]) -> String {
    levels
        .iter()
        .map(|c| format!("{}%", c * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_levels(s: &str) -> Result<Vec<f64>, String> {
    match s.replace(' ', "").as_str() {
        "95" => Ok(vec![0.95]),
        "99.8" => Ok(vec![0.998]),
        "95,99.8" => Ok(vec![0.95, 0.998]),
        other => Err(format!("--confidence {other:?}: use 95, 99.8 or 95,99.8")),
    }
}

pub fn run(method: Method, confidence: &str, multiplier: Option<f64>, as_rate: bool) -> ExitCode {
    let mut text = String::new();
    let result = std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read standard input: {e}"))
        .and_then(|_| process(method, confidence, multiplier, as_rate, &text));
    match result {
        Ok(csv) => {
            use std::io::Write;
            match std::io::stdout().lock().write_all(csv.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("hwb-outcomes stats: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            eprintln!("hwb-outcomes stats: {e}");
            ExitCode::from(1)
        }
    }
}

/// The engine on CSV text: the output CSV, or why the input is unreadable.
pub fn process(
    method: Method,
    confidence: &str,
    multiplier: Option<f64>,
    as_rate: bool,
    text: &str,
) -> Result<String, String> {
    let levels = parse_levels(confidence)?;
    let table = read(text)?;
    write(&compute(method, &table, &levels, multiplier, as_rate)?)
}

fn read(text: &str) -> Result<Table, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("unreadable CSV header: {e}"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err("the input is empty: give CSV with a header row".into());
    }
    let rows = reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            r.map(|r| r.iter().map(str::to_owned).collect())
                .map_err(|e| format!("unreadable CSV at row {}: {e}", i + 2))
        })
        .collect::<Result<_, _>>()?;
    Ok(Table { header, rows })
}

fn write(t: &Table) -> Result<String, String> {
    let mut out = crate::csv_out::Writer::from_writer(Vec::new());
    out.write_record(&t.header).map_err(|e| e.to_string())?;
    for r in &t.rows {
        out.write_record(r).map_err(|e| e.to_string())?;
    }
    let bytes = out.into_inner()?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

fn compute(
    method: Method,
    t: &Table,
    levels: &[f64],
    multiplier: Option<f64>,
    as_rate: bool,
) -> Result<Table, String> {
    match method {
        Method::Proportion | Method::Rate => per_case(method, t, levels, multiplier),
        Method::Compare => compare_rows(t),
        Method::Dsr => {
            let [g_num, g_den, g_std] = t.require(&["numerator", "denominator", "stdpop"])?[..]
            else {
                unreachable!()
            };
            let m = multiplier.unwrap_or(100_000.0);
            grouped(t, &["total_count", "total_pop", "value"], levels, |rows| {
                let bands = rows
                    .iter()
                    .map(|r| {
                        Ok(dsr::Band {
                            count: cell(r, g_num, "numerator")?,
                            population: required(r, g_den, "denominator")?,
                            standard: required(r, g_std, "stdpop")?,
                            frequencies: vec![],
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                let d = dsr::dsr(&bands, levels, m)?;
                Ok((
                    vec![
                        fmt(Some(d.total_count)),
                        fmt(Some(d.total_population)),
                        fmt(d.value),
                    ],
                    d.limits,
                    d.statistic,
                    d.method.to_owned(),
                ))
            })
        }
        Method::Isr => {
            let [g_num, g_den, g_rn, g_rd] = t.require(&[
                "numerator",
                "denominator",
                "ref_numerator",
                "ref_denominator",
            ])?[..] else {
                unreachable!()
            };
            grouped(t, &["observed", "expected", "value"], levels, |rows| {
                let bands = rows
                    .iter()
                    .map(|r| {
                        Ok(isr::Band {
                            observed: cell(r, g_num, "numerator")?,
                            population: cell(r, g_den, "denominator")?,
                            reference_observed: cell(r, g_rn, "ref_numerator")?,
                            reference_population: cell(r, g_rd, "ref_denominator")?,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                let (kind, statistic) = if as_rate {
                    let m = multiplier.unwrap_or(100_000.0);
                    (
                        isr::Kind::Rate { multiplier: m },
                        format!(
                            "indirectly standardised rate per {}",
                            stats::multiplier_label(m)
                        ),
                    )
                } else {
                    let m = multiplier.unwrap_or(1.0);
                    (
                        isr::Kind::Ratio { refvalue: m },
                        format!(
                            "indirectly standardised ratio x {}",
                            stats::multiplier_label(m)
                        ),
                    )
                };
                let r = isr::isr(&bands, None, kind, levels)?;
                Ok((
                    vec![
                        fmt(Some(r.observed)),
                        fmt(Some(r.expected)),
                        fmt(Some(r.value)),
                    ],
                    r.limits,
                    statistic,
                    r.method.to_owned(),
                ))
            })
        }
        Method::Mean => {
            let [g_val] = t.require(&["value"])?[..] else {
                unreachable!()
            };
            grouped(
                t,
                &["value_sum", "value_count", "stdev", "value"],
                levels,
                |rows| {
                    let values = rows
                        .iter()
                        .map(|r| required(r, g_val, "value"))
                        .collect::<Result<Vec<_>, _>>()?;
                    let m = mean::mean(&values, levels)?;
                    let limits = m.limits.iter().map(|&(l, u)| (Some(l), Some(u))).collect();
                    Ok((
                        vec![
                            fmt(Some(m.sum)),
                            m.count.to_string(),
                            fmt(Some(m.sd)),
                            fmt(Some(m.value)),
                        ],
                        limits,
                        "mean".into(),
                        "Student's t-distribution".into(),
                    ))
                },
            )
        }
        Method::LifeExpectancy => life_table(t, levels),
        Method::Trend => trend_groups(t),
    }
}

/// Proportions and rates, one result per row, or per group (summed).
fn per_case(
    method: Method,
    t: &Table,
    levels: &[f64],
    multiplier: Option<f64>,
) -> Result<Table, String> {
    let [g_num, g_den] = t.require(&["numerator", "denominator"])?[..] else {
        unreachable!()
    };
    let m = multiplier.unwrap_or(if method == Method::Rate {
        100_000.0
    } else {
        1.0
    });
    let statistic = match method {
        Method::Rate => format!("rate per {}", stats::multiplier_label(m)),
        _ if m == 100.0 => "percentage".into(),
        _ => format!("proportion of {}", stats::multiplier_label(m)),
    };
    let one = |num: f64, den: f64| -> CaseResult {
        if num < 0.0 || den < 0.0 {
            return Err("numerators and denominators must be 0 or more".into());
        }
        if !(den > 0.0) {
            return Err("the denominator must be greater than 0".into());
        }
        if method == Method::Proportion && num > den {
            return Err("for a proportion the numerator must not exceed the denominator".into());
        }
        let mut label = "Wilson".to_owned();
        let limits = levels
            .iter()
            .map(|&c| {
                let i = if method == Method::Rate {
                    let (i, how) = stats::poisson_count(num, c);
                    label = how.label().into();
                    i.scaled(m / den)
                } else {
                    stats::wilson(num, den, c).scaled(m)
                };
                (i.lower, i.upper)
            })
            .collect();
        Ok((Some(num / den * m), limits, label))
    };
    let extra = ["value".to_owned()]
        .into_iter()
        .chain(limit_columns(levels))
        .chain(["confidence", "statistic", "method", "error"].map(String::from));
    let result_cells = |r: CaseResult| -> Vec<String> {
        match r {
            Ok((value, limits, label)) => {
                let mut cells = vec![fmt(value)];
                for (l, u) in limits {
                    cells.push(fmt(l));
                    cells.push(fmt(u));
                }
                cells.extend([
                    confidence_label(levels),
                    statistic.clone(),
                    label,
                    String::new(),
                ]);
                cells
            }
            Err(e) => {
                let mut cells = vec![String::new(); 1 + 2 * levels.len()];
                cells.extend([
                    confidence_label(levels),
                    statistic.clone(),
                    String::new(),
                    e,
                ]);
                cells
            }
        }
    };
    if t.col("group").is_some() {
        let header = ["group", "numerator", "denominator"]
            .map(String::from)
            .into_iter()
            .chain(extra)
            .collect();
        let rows = t
            .groups()
            .into_iter()
            .map(|(g, members)| {
                let sums = members.iter().try_fold((0.0, 0.0), |(n, d), &i| {
                    let r = &t.rows[i];
                    Ok::<_, String>((
                        n + required(r, g_num, "numerator")?,
                        d + required(r, g_den, "denominator")?,
                    ))
                });
                let (shown, result) = match sums {
                    Ok((n, d)) => ((fmt(Some(n)), fmt(Some(d))), one(n, d)),
                    Err(e) => ((String::new(), String::new()), Err(e)),
                };
                [g, shown.0, shown.1]
                    .into_iter()
                    .chain(result_cells(result))
                    .collect()
            })
            .collect();
        return Ok(Table { header, rows });
    }
    let header = t.header.iter().cloned().chain(extra).collect();
    let rows = t
        .rows
        .iter()
        .map(|r| {
            let result = required(r, g_num, "numerator")
                .and_then(|n| Ok((n, required(r, g_den, "denominator")?)))
                .and_then(|(n, d)| one(n, d));
            r.iter().cloned().chain(result_cells(result)).collect()
        })
        .collect();
    Ok(Table { header, rows })
}

/// One case's value, its limits per level and the method's name.
type CaseResult = Result<(Option<f64>, Vec<(Option<f64>, Option<f64>)>, String), String>;

type GroupResult = Result<(Vec<String>, Vec<(Option<f64>, Option<f64>)>, String, String), String>;

/// One output row per group: group, the method's own columns, limits,
/// confidence, statistic, method, error.
fn grouped(
    t: &Table,
    own: &[&str],
    levels: &[f64],
    f: impl Fn(&[&Vec<String>]) -> GroupResult,
) -> Result<Table, String> {
    let header = ["group"]
        .iter()
        .chain(own)
        .map(|s| s.to_string())
        .chain(limit_columns(levels))
        .chain(["confidence", "statistic", "method", "error"].map(String::from))
        .collect();
    let rows = t
        .groups()
        .into_iter()
        .map(|(g, members)| {
            let rows: Vec<&Vec<String>> = members.iter().map(|&i| &t.rows[i]).collect();
            let mut cells = vec![g];
            match f(&rows) {
                Ok((values, limits, statistic, method)) => {
                    cells.extend(values);
                    for (l, u) in limits {
                        cells.push(fmt(l));
                        cells.push(fmt(u));
                    }
                    cells.extend([confidence_label(levels), statistic, method, String::new()]);
                }
                Err(e) => {
                    cells.extend(vec![String::new(); own.len() + 2 * levels.len()]);
                    cells.extend([confidence_label(levels), String::new(), String::new(), e]);
                }
            }
            cells
        })
        .collect();
    Ok(Table { header, rows })
}

/// One output row per group and age band, as PHEindicatormethods returns.
fn life_table(t: &Table, levels: &[f64]) -> Result<Table, String> {
    let [g_age, g_deaths, g_pop] = t.require(&["age", "deaths", "population"])?[..] else {
        unreachable!()
    };
    let header = ["group", "age", "value"]
        .map(String::from)
        .into_iter()
        .chain(limit_columns(levels))
        .chain(
            [
                "pops_used",
                "dths_used",
                "confidence",
                "statistic",
                "method",
                "error",
            ]
            .map(String::from),
        )
        .collect();
    let method = "Chiang, using Silcocks et al for confidence limits";
    let mut rows = Vec::new();
    for (g, members) in t.groups() {
        let mut bands = members
            .iter()
            .map(|&i| {
                let r = &t.rows[i];
                Ok((
                    required(r, g_age, "age")?,
                    required(r, g_deaths, "deaths")?,
                    required(r, g_pop, "population")?,
                ))
            })
            .collect::<Result<Vec<_>, String>>();
        if let Ok(b) = &mut bands {
            b.sort_by(|x, y| x.0.total_cmp(&y.0));
        }
        let table = bands.and_then(|b| {
            let ages: Vec<f64> = b.iter().map(|x| x.0).collect();
            if b.len() == life_expectancy::BANDS && ages != life_expectancy::AGES {
                return Err(format!(
                    "age bands must start at {:?}",
                    life_expectancy::AGES
                ));
            }
            let deaths: Vec<f64> = b.iter().map(|x| x.1).collect();
            let pops: Vec<f64> = b.iter().map(|x| x.2).collect();
            life_expectancy::life_expectancy(&deaths, &pops, levels)
        });
        match table {
            Ok(table) => {
                for row in table {
                    let mut cells = vec![g.clone(), fmt(Some(row.age)), fmt(row.value)];
                    for (l, u) in &row.limits {
                        cells.push(fmt(Some(*l)));
                        cells.push(fmt(Some(*u)));
                    }
                    cells.extend([
                        fmt(Some(row.population_used)),
                        fmt(Some(row.deaths_used)),
                        confidence_label(levels),
                    ]);
                    cells.extend([
                        format!("life expectancy at {}", row.age),
                        method.to_owned(),
                        String::new(),
                    ]);
                    rows.push(cells);
                }
            }
            Err(e) => {
                let mut cells = vec![g.clone(), String::new(), String::new()];
                cells.extend(vec![String::new(); 2 * levels.len() + 2]);
                cells.extend([confidence_label(levels), String::new(), String::new(), e]);
                rows.push(cells);
            }
        }
    }
    Ok(Table { header, rows })
}

fn polarity(s: &str) -> Result<Polarity, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "high" | "high is good" => Ok(Polarity::High),
        "low" | "low is good" => Ok(Polarity::Low),
        "none" | "no judgement" | "" => Ok(Polarity::None),
        other => Err(format!("polarity {other:?}: use high, low or none")),
    }
}

fn compare_rows(t: &Table) -> Result<Table, String> {
    let [v, l, u, b, p] = t.require(&["value", "lowercl", "uppercl", "benchmark", "polarity"])?[..]
    else {
        unreachable!()
    };
    let two = (t.col("lower99_8cl"), t.col("upper99_8cl"));
    let header = t
        .header
        .iter()
        .cloned()
        .chain(["comparison", "error"].map(String::from))
        .collect();
    let rows = t
        .rows
        .iter()
        .map(|r| {
            let result = (|| -> Result<compare::Judgement, String> {
                let pol = polarity(r.get(p).map_or("", String::as_str))?;
                let (value, lower, upper, bench) = (
                    cell(r, v, "value")?,
                    cell(r, l, "lowercl")?,
                    cell(r, u, "uppercl")?,
                    cell(r, b, "benchmark")?,
                );
                Ok(match two {
                    (Some(l9), Some(u9)) => compare::compare_two_level(
                        value,
                        (lower, upper),
                        (cell(r, l9, "lower99_8cl")?, cell(r, u9, "upper99_8cl")?),
                        bench,
                        pol,
                    ),
                    _ => compare::compare(value, lower, upper, bench, pol),
                })
            })();
            let (label, error) = match result {
                Ok(j) => (j.label().to_owned(), String::new()),
                Err(e) => (String::new(), e),
            };
            r.iter().cloned().chain([label, error]).collect()
        })
        .collect();
    Ok(Table { header, rows })
}

fn trend_groups(t: &Table) -> Result<Table, String> {
    let [v, l, u, p] = t.require(&["value", "lowercl", "uppercl", "polarity"])?[..] else {
        unreachable!()
    };
    t.require(&["period"])?;
    let header = ["group", "points", "slope", "chi_squared", "trend", "error"]
        .map(String::from)
        .to_vec();
    let rows = t
        .groups()
        .into_iter()
        .map(|(g, members)| {
            let result = (|| -> Result<(usize, Option<trend::Fit>, trend::Trend), String> {
                let pol = polarity(t.rows[members[0]].get(p).map_or("", String::as_str))?;
                let points = members
                    .iter()
                    .map(|&i| {
                        let r = &t.rows[i];
                        Ok(trend::Point {
                            value: cell(r, v, "value")?,
                            lower: cell(r, l, "lowercl")?,
                            upper: cell(r, u, "uppercl")?,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Ok((
                    points.len(),
                    trend::regression(&points),
                    trend::recent_trend(&points, pol),
                ))
            })();
            match result {
                Ok((n, fit, tr)) => vec![
                    g,
                    n.to_string(),
                    fmt(fit.map(|f| f.slope)),
                    fmt(fit.map(|f| f.chi_squared)),
                    tr.label().into(),
                    String::new(),
                ],
                Err(e) => vec![
                    g,
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    e,
                ],
            }
        })
        .collect();
    Ok(Table { header, rows })
}
