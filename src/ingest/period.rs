//! Time period labels as Fingertips publishes them, turned into the dates
//! they cover, so periods of any shape sort and compare correctly.
//!
//! `YYYY/YY` is taken as a financial year (April to March), as Fingertips
//! sorts it; school years (September to August) sort the same way.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

pub const EXPECTED: &str = "a time period such as 2019, 2019/20, 2017 - 19, 2017/18 - 19/20, 2019/20 Q3, 2019 Q3 or Jan 2020";

/// Parses a label; `None` when it is not one of the forms in [`EXPECTED`].
pub fn parse(label: &str) -> Option<Period> {
    let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(single) = single(&label) {
        return Some(single);
    }
    let (left, right) = label.split_once('-')?;
    let (left, right) = (left.trim(), right.trim());
    let first = single(left)?;
    let last = range_end(left, right).or_else(|| single(right))?;
    (first.start < last.end).then_some(Period {
        start: first.start,
        end: last.end,
    })
}

/// The end of a range written in short form: `2017 - 19`, `2017/18 - 19/20`.
fn range_end(left: &str, right: &str) -> Option<Period> {
    let first_year = year4(left.get(..4)?)?;
    let short = |s: &str| -> Option<i32> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
            let yy: i32 = s.parse().ok()?;
            let mut y = first_year - first_year % 100 + yy;
            if y < first_year {
                y += 100;
            }
            // A range must end after it starts: "2019 - 19" is no range.
            (y > first_year).then_some(y)
        } else {
            None
        }
    };
    if left.len() == 4 {
        return calendar_year(short(right)?);
    }
    if left.len() == 7 && left.as_bytes()[4] == b'/' {
        let (a, b) = right.split_once('/')?;
        let start = short(a)?;
        let b: i32 = (b.len() == 2).then(|| b.parse().ok()).flatten()?;
        return (b == (start + 1) % 100)
            .then(|| financial_year(start))
            .flatten();
    }
    None
}

fn single(s: &str) -> Option<Period> {
    let (body, quarter) = match s.rsplit_once(' ') {
        Some((body, q)) if q.len() == 2 && q.starts_with('Q') => (
            body,
            Some(q[1..].parse::<u32>().ok().filter(|q| (1..=4).contains(q))?),
        ),
        _ => (s, None),
    };
    if let Some(p) = month(body) {
        return quarter.is_none().then_some(p);
    }
    match (body.len(), quarter) {
        (4, None) => calendar_year(year4(body)?),
        (4, Some(q)) => quarter_of(year4(body)?, 1, q),
        (7, q) => {
            let (a, b) = body.split_once('/')?;
            let start = year4(a)?;
            if b.len() != 2 || b.parse::<i32>().ok()? != (start + 1) % 100 {
                return None;
            }
            match q {
                None => financial_year(start),
                Some(q) => quarter_of(start, 4, q),
            }
        }
        _ => None,
    }
}

fn year4(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|y| (1900..=2199).contains(y))
}

fn calendar_year(y: i32) -> Option<Period> {
    Some(Period {
        start: NaiveDate::from_ymd_opt(y, 1, 1)?,
        end: NaiveDate::from_ymd_opt(y, 12, 31)?,
    })
}

fn financial_year(y: i32) -> Option<Period> {
    Some(Period {
        start: NaiveDate::from_ymd_opt(y, 4, 1)?,
        end: NaiveDate::from_ymd_opt(y + 1, 3, 31)?,
    })
}

/// Quarter `q` of a year starting in `first_month` (1 calendar, 4 financial).
fn quarter_of(year: i32, first_month: u32, q: u32) -> Option<Period> {
    let months_in = first_month - 1 + (q - 1) * 3;
    let (y, m) = (year + (months_in / 12) as i32, months_in % 12 + 1);
    let start = NaiveDate::from_ymd_opt(y, m, 1)?;
    let next = start.checked_add_months(chrono::Months::new(3))?;
    Some(Period {
        start,
        end: next.pred_opt()?,
    })
}

fn month(s: &str) -> Option<Period> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let (name, year) = s.split_once(' ')?;
    let lower = name.to_ascii_lowercase();
    let m = MONTHS
        .iter()
        .position(|p| lower.get(..3).is_some_and(|l| p.starts_with(l)))? as u32
        + 1;
    let start = NaiveDate::from_ymd_opt(year4(year)?, m, 1)?;
    let next = start.checked_add_months(chrono::Months::new(1))?;
    (start.month() == m).then_some(Period {
        start,
        end: next.pred_opt()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(label: &str) -> (String, String) {
        let p = parse(label).unwrap_or_else(|| panic!("{label} did not parse"));
        (p.start.to_string(), p.end.to_string())
    }

    #[test]
    fn every_fingertips_shape_parses_to_its_dates() {
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(p("2019"), s("2019-01-01", "2019-12-31"));
        assert_eq!(p("2019/20"), s("2019-04-01", "2020-03-31"));
        assert_eq!(p("2017 - 19"), s("2017-01-01", "2019-12-31"));
        assert_eq!(p("2020/21 - 24/25"), s("2020-04-01", "2025-03-31"));
        assert_eq!(p("2019/20 Q3"), s("2019-10-01", "2019-12-31"));
        assert_eq!(p("2019/20 Q4"), s("2020-01-01", "2020-03-31"));
        assert_eq!(p("2019 Q3"), s("2019-07-01", "2019-09-30"));
        assert_eq!(p("2021/22 Q1 - 2022/23 Q2"), s("2021-04-01", "2022-09-30"));
        assert_eq!(p("Feb 2020"), s("2020-02-01", "2020-02-29"));
        assert_eq!(p("  2019/20  "), s("2019-04-01", "2020-03-31"));
        assert_eq!(p("1999 - 01"), s("1999-01-01", "2001-12-31"));
    }

    #[test]
    fn malformed_labels_are_rejected() {
        // Found by fuzzing (fuzz/regressions/ingest_csv): a month name
        // whose third byte falls inside a character panicked.
        assert_eq!(parse("20ØÈßÒ 2020"), None);
        assert_eq!(parse("Jé 2020"), None);
        for bad in [
            "",
            "19",
            "2019/21",
            "2019/2020",
            "2019 Q5",
            "20190000",
            "2019 - 2018",
            "2019 - 19",
            "Smarch 2020",
            "two thousand",
            "2019/20 Q3 Q4",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} parsed");
        }
    }

    #[test]
    fn periods_sort_by_the_dates_they_cover() {
        let mut labels = ["2019/20", "2018", "2017 - 19", "2019/20 Q1", "2019"];
        labels.sort_by_key(|l| {
            let p = parse(l).unwrap();
            (p.end, p.start)
        });
        assert_eq!(
            labels,
            ["2018", "2019/20 Q1", "2017 - 19", "2019", "2019/20"]
        );
    }
}
