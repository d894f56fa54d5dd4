//! `hwb-outcomes stats`: CSV in, CSV out, per-row errors, never a panic.

use std::process::Command;

#[path = "support/cli.rs"]
mod support_cli;

const BIN: &str = env!("CARGO_BIN_EXE_hwb-outcomes");

fn stats(args: &[&str], input: &str) -> (i32, Vec<Vec<String>>, String) {
    let out = support_cli::fed(Command::new(BIN).arg("stats").args(args), input);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.stdout.as_slice());
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (out.status.code().unwrap_or(-1), rows, stderr)
}

fn column<'a>(rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let i = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].as_str()).collect()
}

#[test]
fn proportions_keep_input_columns_and_add_pheindicatormethods_columns() {
    let (code, rows, _) = stats(
        &["proportion", "--multiplier", "100"],
        "area,numerator,denominator\nA,65,100\nB,5,4\nC,,10\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        rows[0],
        [
            "area",
            "numerator",
            "denominator",
            "value",
            "lowercl",
            "uppercl",
            "confidence",
            "statistic",
            "method",
            "error"
        ]
    );
    assert_eq!(rows[1][0], "A");
    let lower: f64 = rows[1][4].parse().unwrap();
    assert!((lower - 55.25444329688797).abs() < 1e-10);
    assert_eq!(
        column(&rows, "error"),
        [
            "",
            "for a proportion the numerator must not exceed the denominator",
            "numerator is missing"
        ]
    );
    assert_eq!(column(&rows, "statistic")[0], "percentage");
}

#[test]
fn groups_are_summed_and_two_levels_use_the_long_names() {
    let (_, rows, _) = stats(
        &["rate", "--confidence", "95,99.8"],
        "group,numerator,denominator\nx,1,100\nx,1,100\ny,20,100\n",
    );
    assert_eq!(
        &rows[0][..7],
        [
            "group",
            "numerator",
            "denominator",
            "value",
            "lower95_0cl",
            "upper95_0cl",
            "lower99_8cl"
        ]
    );
    assert_eq!(column(&rows, "numerator"), ["2", "20"]);
    assert_eq!(column(&rows, "method"), ["Exact", "Byars"]);
    assert_eq!(column(&rows, "confidence")[0], "95%, 99.8%");
}

#[test]
fn dsr_by_group_with_the_standard_population_given() {
    // Ten bands of 100 people, 2 events each, equal weights: DSR = 2% = 2000 per 100,000.
    let mut input = String::from("group,numerator,denominator,stdpop\n");
    for _ in 0..10 {
        input.push_str("a,2,100,1000\n");
    }
    input.push_str("b,1,100,1000\n");
    let (code, rows, _) = stats(&["dsr"], &input);
    assert_eq!(code, 0);
    assert_eq!(column(&rows, "value"), ["2000", ""]);
    assert_eq!(
        column(&rows, "statistic"),
        ["dsr per 100000", "dsr NA for total count < 10"]
    );
}

#[test]
fn life_expectancy_needs_twenty_bands_per_group() {
    let (code, rows, _) = stats(
        &["life-expectancy"],
        "group,age,deaths,population\na,0,1,100\na,1,1,100\n",
    );
    assert_eq!(code, 0);
    assert!(
        column(&rows, "error")[0].contains("exactly 20 age bands"),
        "{rows:?}"
    );
}

#[test]
fn compare_and_trend() {
    let (_, rows, _) = stats(
        &["compare"],
        "value,lowercl,uppercl,lower99_8cl,upper99_8cl,benchmark,polarity\n2.6,2.5,2.7,2.3,2.9,3.0,low\n2.6,2.5,2.7,2.3,2.9,2.4,high\n1,0.5,1.5,,,,none\n",
    );
    assert_eq!(
        column(&rows, "comparison"),
        ["Best", "Better", "Not compared"]
    );
    let series = "group,period,value,lowercl,uppercl,polarity\n\
        s,2014,24.67,23.16,26.25,low\ns,2015,24.6,23.15,26.19,low\ns,2016,28,26.44,29.64,low\ns,2017,30.2,28.63,31.9,low\ns,2018,30.6,28.98,32.25,low\n\
        t,2018,1,0.5,1.5,high\n";
    let (_, rows, _) = stats(&["trend"], series);
    assert_eq!(
        column(&rows, "trend"),
        ["Increasing and getting worse", "Cannot be calculated"]
    );
    assert!(column(&rows, "chi_squared")[0].starts_with("46.765"));
}

#[test]
fn unreadable_input_fails_with_a_message() {
    let (code, _, stderr) = stats(&["dsr"], "nothing\n");
    assert_eq!(code, 1);
    assert!(stderr.contains("no \"numerator\" column"), "{stderr}");
    let (code, _, stderr) = stats(
        &["proportion", "--confidence", "90"],
        "numerator,denominator\n1,2\n",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("use 95, 99.8 or 95,99.8"), "{stderr}");
    let (code, _, _) = stats(&["mean"], "");
    assert_eq!(code, 1);
}
