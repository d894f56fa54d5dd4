//! The judgements stored with an edition: computed limits, comparisons with
//! the nation, the region and goals, and recent trends, checked by hand and
//! against Fingertips's own judgements in a real extract.

use hwb_outcomes::analysis::{
    self, COMPARED_GOAL, COMPARED_NATIONAL, COMPARED_REGION, LIMITS_COMPUTED, RECENT_TREND,
};
use hwb_outcomes::areas::Gazetteer;
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::ingest::{self, Context};
use polars::prelude::*;

fn analysed(csv: &str) -> DataFrame {
    let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
    let e = ingest::read("test.csv", csv.as_bytes(), None, &Context::new(&c, &g));
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    analysis::analyse(e.frame.unwrap(), &c, &g, "E92000001").unwrap()
}

fn text(df: &DataFrame, col: &str) -> Vec<String> {
    df.column(col)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or("").to_owned())
        .collect()
}

#[test]
fn limits_comparisons_goals_and_trends() {
    let mut csv = String::from(
        "indicator_id,area_code,period,value,lower_ci_95,upper_ci_95,count,denominator\n",
    );
    // Physically inactive adults (proportion, low is good): Halton's limits
    // come from its count and denominator.
    csv += "93015,E92000001,2023/24,22.0,21.9,22.1,,\n";
    csv += "93015,E12000002,2023/24,24.0,23.5,24.5,,\n";
    csv += "93015,E06000006,2023/24,25.0,,,250,1000\n";
    // MMR (goal 90/95): red.
    csv += "30309,E06000006,2023/24,88.0,86,90,,\n";
    // Smoking (low is good): five rising years for Halton.
    for (i, v) in [10.0, 11.0, 12.0, 13.0, 14.0].iter().enumerate() {
        let year = 2019 + i;
        csv += &format!(
            "92443,E06000006,{year}/{:02},{v},{},{},,\n",
            (year + 1) % 100,
            v - 0.3,
            v + 0.3
        );
    }
    let df = analysed(&csv);
    let computed: Vec<Option<bool>> = df
        .column(LIMITS_COMPUTED)
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        &computed[..4],
        [Some(false), Some(false), Some(true), Some(false)]
    );
    let lower = df
        .column("lower_95")
        .unwrap()
        .f64()
        .unwrap()
        .get(2)
        .unwrap();
    let wilson = hwb_outcomes::stats::wilson(250.0, 1000.0, 0.95)
        .lower
        .unwrap()
        * 100.0;
    assert!((lower - wilson).abs() < 1e-12, "{lower} != {wilson}");

    let national = text(&df, COMPARED_NATIONAL);
    let regional = text(&df, COMPARED_REGION);
    assert_eq!(
        national[0], "Not compared",
        "England is not compared with itself"
    );
    assert_eq!(
        national[1], "Worse",
        "North West 24 (23.5-24.5) against England 22, low is good"
    );
    assert_eq!(regional[1], "Not compared", "a region has no region");
    // Halton 25.0 with Wilson limits about 22.4-27.8: England 22.0 outside, region 24.0 inside.
    assert_eq!(
        (national[2].as_str(), regional[2].as_str()),
        ("Worse", "Similar")
    );
    assert_eq!(text(&df, COMPARED_GOAL)[3], "Red");
    assert_eq!(
        national[3], "Not compared",
        "goal indicators are judged against the goal"
    );
    let trends = text(&df, RECENT_TREND);
    assert!(
        trends[4..]
            .iter()
            .all(|t| t == "Increasing and getting worse"),
        "{trends:?}"
    );
    assert_eq!(trends[2], "Cannot be calculated", "one point is no trend");
}

const TOBACCO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/research-data/fingertips/fingertips-export/STAPM-smkfreediv__northwest_2019__local-tobacco-control-profiles.csv"
);

/// A file from ../shared: skipped with a message where it is absent, but a
/// failure in CI, which always has it.
fn shared(path: &str) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("{path}: {e}: CI always has ../shared")
        }
        Err(_) => {
            eprintln!("SKIP: {path} is absent (../shared not present)");
            None
        }
    }
}

/// Our comparisons of adult smoking (92443, 95% intervals) in the real North
/// West tobacco profile equal Fingertips's own columns, row for row.
#[test]
fn comparisons_match_fingertips_on_a_real_extract() {
    let Some(csv) = shared(TOBACCO) else {
        return;
    };
    let df = analysed(&csv);
    let ids = text(&df, "indicator_id");
    let areas = text(&df, "area_code");
    let (ours_e, theirs_e) = (
        text(&df, COMPARED_NATIONAL),
        text(&df, "ft_compared_england"),
    );
    let (ours_r, theirs_r) = (text(&df, COMPARED_REGION), text(&df, "ft_compared_parent"));
    let mut checked = 0;
    for i in 0..df.height() {
        if ids[i] != "92443" || areas[i] == "E92000001" || areas[i] == "E12000002" {
            continue;
        }
        assert_eq!(ours_e[i], theirs_e[i], "{} against England", areas[i]);
        if areas[i] != "E10000006" {
            assert_eq!(
                ours_r[i], theirs_r[i],
                "{} against the North West",
                areas[i]
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 23, "every North West upper-tier area");
}

/// Every Better / Similar / Worse judgement Fingertips made against England
/// in the real tobacco profile, for all seven indicators (one catalogued,
/// six not), is what the read model behind our pages and API holds for that
/// area and period: the six take their polarity from the file itself.
#[test]
fn every_fingertips_judgement_in_a_real_profile_is_ours() {
    use hwb_outcomes::dataset::{Breakdown, Dataset, Lookup};
    let Some(csv) = shared(TOBACCO) else {
        return;
    };
    let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
    let e = ingest::read(
        "northwest 2019.csv",
        csv.as_bytes(),
        None,
        &Context::new(&c, &g),
    );
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    let empty = hwb_outcomes::metadata::to_frame(&[]).unwrap();
    let (df, meta) =
        analysis::analyse_edition(e.frame.unwrap(), empty, &c, &g, "E92000001").unwrap();
    let others = hwb_outcomes::metadata::from_frame(&meta).unwrap();
    assert_eq!(others.len(), 6, "six indicators outside the catalogue");
    assert!(
        others
            .iter()
            .all(|o| o.origin == hwb_outcomes::catalogue::Origin::Inferred)
    );
    let edition = hwb_outcomes::store::Edition {
        id: 1,
        label: "tobacco".into(),
        base_id: None,
        rows: df.height() as i64,
        illustrative: false,
        created_at: String::new(),
        created_by: String::new(),
        published_at: None,
        is_published: true,
    };
    let dataset = Dataset::build(edition, &df, &c.with(others)).unwrap();

    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let (mut checked, mut not_compared) = (0, 0);
    for rec in reader.records() {
        let rec = rec.unwrap();
        let theirs = rec[21].trim();
        if !matches!(theirs, "Better" | "Similar" | "Worse") {
            not_compared += 1;
            continue;
        }
        let breakdown = Breakdown {
            sex: rec[7].to_owned(),
            age: rec[8].to_owned(),
            category_type: rec[9].to_owned(),
            category: rec[10].to_owned(),
        };
        let Lookup::Found(point) = dataset.find(&rec[0], &breakdown, &rec[4], &rec[11]) else {
            panic!(
                "{} {} {} is not in the read model",
                &rec[0], &rec[4], &rec[11]
            );
        };
        assert_eq!(
            point.vs_nation.label(),
            theirs,
            "{} {} {} against England",
            &rec[0],
            &rec[4],
            &rec[11]
        );
        checked += 1;
    }
    assert_eq!(
        checked, 120,
        "every judgement Fingertips made: 5 indicators x 24 areas"
    );
    assert!(not_compared > 0);
}

/// Real files sometimes label an area with the wrong `Area Type` (a region
/// written as "Counties & UAs", an upper-tier area as "Region"): the level
/// of an area, and so what it is compared with, comes from the gazetteer.
#[test]
fn an_areas_level_comes_from_the_gazetteer_not_the_area_type_text() {
    let header = "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,Compared to Region value or percentiles,Time period Sortable,New data,Compared to goal\n";
    let row = |code: &str, name: &str, kind: &str, v: f64| {
        format!(
            "93015,Percentage of physically inactive adults,E92000001,England,{code},{name},{kind},Persons,19+ yrs,,,2023/24,{v},{},{},,,,,,,,,20230000,,\n",
            v - 0.5,
            v + 0.5
        )
    };
    let mut csv = String::from(header);
    csv += &row("E92000001", "England", "England", 22.0);
    csv += &row(
        "E12000002",
        "North West region",
        "Counties & UAs (from Apr 2023)",
        30.0,
    );
    csv += &row("E06000006", "Halton", "Region", 26.0);
    let df = analysed(&csv);
    let areas = text(&df, "area_code");
    let halton = areas.iter().position(|a| a == "E06000006").unwrap();
    let region = areas.iter().position(|a| a == "E12000002").unwrap();
    // Halton (26, low is good) is worse than England and better than its region.
    assert_eq!(text(&df, COMPARED_NATIONAL)[halton], "Worse");
    assert_eq!(text(&df, COMPARED_REGION)[halton], "Better");
    // The region is compared with England only, never with itself.
    assert_eq!(text(&df, COMPARED_NATIONAL)[region], "Worse");
    assert_eq!(text(&df, COMPARED_REGION)[region], "Not compared");
}
