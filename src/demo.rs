//! The illustrative demo edition `make run` starts with: every catalogued
//! indicator for the home area, its region, the region's other upper-tier
//! areas and England, over six periods.
//!
//! The numbers are generated, deterministic and plausible in level (from
//! the catalogue's `typical` England levels) and shape (area spread, a
//! trend, noise, limits by the indicator's own method), and are labelled
//! "illustrative data" wherever they are shown. They are written as the
//! analyst template and go through the same validation as any upload.

use crate::areas::{Area, Gazetteer};
use crate::catalogue::{Catalogue, Indicator};
use crate::domain::ValueType;
use crate::ingest::columns::TEMPLATE_COLUMNS;
use crate::stats::{self, CONFIDENCE_95, CONFIDENCE_998, Interval};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const LABEL: &str = "Illustrative data (generated, not real figures)";
pub const FILE_NAME: &str = "illustrative-demo-data.csv";
const PERIODS: usize = 6;
const LAST_YEAR: i32 = 2024;
const ENGLAND_POPULATION: f64 = 56_500_000.0;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller: two uniforms to one standard normal draw.
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn period_label(ind: &Indicator, i: usize) -> String {
    let year = LAST_YEAR - (PERIODS - 1 - i) as i32;
    match ind.value_type {
        // Life expectancy is published for three-year periods.
        ValueType::LifeExpectancy => format!("{} - {:02}", year - 3, (year - 1) % 100),
        _ => format!("{}/{:02}", year - 1, year % 100),
    }
}

struct Place<'a> {
    area: &'a Area,
    population: f64,
    /// Fixed per area and indicator: how far it sits from England.
    factor: f64,
}

/// One row's numbers: value, 95% and 99.8% limits, count, denominator, note.
type Numbers = (
    Option<f64>,
    Interval,
    Interval,
    Option<f64>,
    Option<f64>,
    &'static str,
);

fn numbers(ind: &Indicator, level: f64, population: f64) -> Numbers {
    let none = Interval {
        lower: None,
        upper: None,
    };
    match ind.value_type {
        ValueType::Proportion => {
            let p = (level / 100.0).clamp(0.002, 0.998);
            let denominator = (population * 0.05).round().max(50.0);
            let count = (p * denominator).round();
            let limits = |c| stats::wilson(count, denominator, c).scaled(100.0);
            (
                Some(count / denominator * 100.0),
                limits(CONFIDENCE_95),
                limits(CONFIDENCE_998),
                Some(count),
                Some(denominator),
                "",
            )
        }
        ValueType::CrudeRate | ValueType::Dsr | ValueType::Isr => {
            let denominator = (population * 0.2).round();
            let count = (level / ind.multiplier * denominator).round();
            let per = ind.multiplier / denominator;
            if ind.value_type == ValueType::Dsr && count < 10.0 {
                return (
                    None,
                    none,
                    none,
                    Some(count),
                    Some(denominator),
                    "Value suppressed: fewer than 10 events",
                );
            }
            let limits = |c| stats::poisson_count(count, c).0.scaled(per);
            (
                Some(count * per),
                limits(CONFIDENCE_95),
                limits(CONFIDENCE_998),
                Some(count),
                Some(denominator),
                "",
            )
        }
        ValueType::LifeExpectancy => {
            let se = 120.0 / population.sqrt();
            let ci = |c| Interval {
                lower: Some(level - stats::z(c) * se),
                upper: Some(level + stats::z(c) * se),
            };
            (
                Some(level),
                ci(CONFIDENCE_95),
                ci(CONFIDENCE_998),
                None,
                None,
                "",
            )
        }
        ValueType::Score | ValueType::Mean | ValueType::Count => {
            (Some(level), none, none, None, None, "")
        }
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map(|v| {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    })
    .unwrap_or_default()
}

/// The demo data for a region and nation named by ONS code (`None` if the
/// gazetteer has no such area): the tests' larger file.
pub fn csv_for(region: &str, nation: &str) -> Option<String> {
    let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
    let (region, nation) = (gazetteer.get(region)?, gazetteer.get(nation)?);
    Some(generate_csv(&catalogue, &gazetteer, region, nation))
}

/// The demo data as analyst-template CSV.
pub fn generate_csv(
    catalogue: &Catalogue,
    gazetteer: &Gazetteer,
    region: &Area,
    nation: &Area,
) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(20261210);
    let peers: Vec<&Area> = gazetteer.upper_tier_in(&region.code).collect();
    let populations: Vec<f64> = peers
        .iter()
        .map(|_| 110_000.0 + rng.random::<f64>() * 1_300_000.0)
        .collect();
    let region_population: f64 = populations.iter().sum();

    let mut out = crate::csv_out::Writer::from_writer(Vec::new());
    out.write_record(TEMPLATE_COLUMNS)
        .expect("writing to memory");
    for ind in catalogue.iter() {
        let trend = rng.random_range(-0.025..0.025);
        let places: Vec<Place> = peers
            .iter()
            .zip(&populations)
            .map(|(area, &population)| Place {
                area,
                population,
                factor: (0.09 * normal(&mut rng)).exp(),
            })
            .collect();
        for sex in &ind.breakdowns {
            let typical = ind
                .typical
                .get(sex)
                .copied()
                .unwrap_or_else(|| ind.typical.values().next().copied().unwrap_or(1.0));
            for i in 0..PERIODS {
                let england = typical * (1.0 + trend * (i as f64 - (PERIODS - 1) as f64));
                let noise: Vec<f64> = places
                    .iter()
                    .map(|_| 1.0 + 0.02 * normal(&mut rng))
                    .collect();
                let levels: Vec<f64> = places
                    .iter()
                    .zip(&noise)
                    .map(|(p, n)| england * p.factor * n)
                    .collect();
                // The region is its areas, weighted by population.
                let region_level = levels
                    .iter()
                    .zip(&places)
                    .map(|(l, p)| l * p.population)
                    .sum::<f64>()
                    / region_population;
                let rows = std::iter::once((nation, ENGLAND_POPULATION, england))
                    .chain(std::iter::once((region, region_population, region_level)))
                    .chain(
                        places
                            .iter()
                            .zip(&levels)
                            .map(|(p, &l)| (p.area, p.population, l)),
                    );
                for (area, population, level) in rows {
                    let (value, ci95, ci998, count, denominator, note) =
                        numbers(ind, level, population);
                    out.write_record([
                        ind.id.as_str(),
                        ind.name.as_str(),
                        area.code.as_str(),
                        area.name.as_str(),
                        sex.as_str(),
                        "All ages",
                        "",
                        "",
                        &period_label(ind, i),
                        &fmt(value),
                        &fmt(ci95.lower),
                        &fmt(ci95.upper),
                        &fmt(ci998.lower),
                        &fmt(ci998.upper),
                        &fmt(count),
                        &fmt(denominator),
                        note,
                    ])
                    .expect("writing to memory");
                }
            }
        }
    }
    String::from_utf8(out.into_inner().expect("flushing memory"))
        .expect("CSV of UTF-8 fields is UTF-8")
}

/// On a store with no editions at all, adds the demo data as an upload and
/// publishes it as an illustrative edition. Does nothing otherwise, so an
/// analyst's data is never mixed with it.
/// The demo data validated and analysed, as an edition frame (without a
/// store): for tests and benchmarks of the pages.
pub fn frame(region: &Area, nation: &Area) -> Result<polars::prelude::DataFrame, String> {
    let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
    let csv = generate_csv(&catalogue, &gazetteer, region, nation);
    let extract = crate::ingest::read(
        FILE_NAME,
        csv.as_bytes(),
        None,
        &crate::ingest::Context::new(&catalogue, &gazetteer),
    );
    let frame = extract
        .frame
        .ok_or("the generated demo data failed validation")?;
    crate::analysis::analyse(frame, &catalogue, &gazetteer, &nation.code).map_err(|e| e.to_string())
}

pub async fn install_if_empty(
    store: &crate::store::Store,
    config: &crate::config::Config,
) -> Result<(), String> {
    if !store
        .editions()
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        return Ok(());
    }
    let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
    let csv = generate_csv(&catalogue, &gazetteer, &config.region, &config.nation);
    let extract = crate::ingest::read(
        FILE_NAME,
        csv.as_bytes(),
        None,
        &crate::ingest::Context::new(&catalogue, &gazetteer),
    );
    let mut frame = extract.frame.ok_or_else(|| {
        format!(
            "the generated demo data failed validation: {:?}",
            extract.report.errors.first()
        )
    })?;
    let actor = "hwb-outcomes (demo data)";
    let run = async {
        let upload = store
            .add_upload(
                FILE_NAME,
                csv.as_bytes(),
                crate::ingest::Format::AnalystTemplate.label(),
                &mut frame,
                actor,
            )
            .await?;
        let add_derived = |df, meta| {
            crate::analysis::analyse_edition(df, meta, &catalogue, &gazetteer, &config.nation.code)
        };
        let edition = store
            .create_edition(LABEL, &[upload.id], true, actor, add_derived)
            .await?;
        store.publish(edition.id, actor).await
    };
    run.await.map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{self, Context};

    #[test]
    fn demo_data_passes_validation_and_covers_every_indicator_and_area() {
        let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
        let (region, nation) = (
            gazetteer.get("E12000002").unwrap().clone(),
            gazetteer.get("E92000001").unwrap().clone(),
        );
        let csv = generate_csv(&catalogue, &gazetteer, &region, &nation);
        assert_eq!(
            csv,
            generate_csv(&catalogue, &gazetteer, &region, &nation),
            "deterministic"
        );
        let extract = ingest::read(
            FILE_NAME,
            csv.as_bytes(),
            None,
            &Context::new(&catalogue, &gazetteer),
        );
        assert!(
            extract.report.is_valid(),
            "{:?}",
            &extract.report.errors[..extract.report.errors.len().min(3)]
        );
        assert_eq!(extract.report.indicators, catalogue.len());
        assert_eq!(
            extract.report.areas,
            2 + 24,
            "England, North West and its 24 upper-tier areas"
        );
        assert_eq!(
            extract.report.periods, 12,
            "six financial years and six three-year periods"
        );
        let frame = extract.frame.unwrap();
        let sexes: usize = catalogue.iter().map(|i| i.breakdowns.len()).sum();
        assert_eq!(frame.height(), sexes * 26 * PERIODS);
    }
}
