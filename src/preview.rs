//! The preview of an upload against the published edition: what a new
//! edition built from it would add or change, before anything is saved.

use crate::dataset::{Breakdown, Dataset, Lookup};
use crate::frame as col;
use polars::prelude::*;
use std::collections::BTreeSet;

/// One revised value: old and new, for the same key.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Revision {
    pub indicator: String,
    pub area: String,
    pub breakdown: String,
    pub period: String,
    pub old: Option<f64>,
    pub new: Option<f64>,
}

impl Revision {
    pub fn difference(&self) -> Option<f64> {
        Some(self.new? - self.old?)
    }
}

/// Revisions kept for the page (the rest are counted): a result stays in
/// memory until it expires, and an upload may revise two million rows.
pub const REVISIONS_KEPT: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Preview {
    /// Indicators the published edition does not have.
    pub new_indicators: BTreeSet<String>,
    /// (indicator, period) pairs it does not have.
    pub new_periods: BTreeSet<(String, String)>,
    /// Rows for areas (or breakdowns) it does not have in a held period.
    pub new_values: usize,
    /// The first `REVISIONS_KEPT` revised values.
    pub revised: Vec<Revision>,
    /// How many values are revised in all.
    pub revised_total: usize,
    pub unchanged: usize,
}

impl Preview {
    /// Adds another file's preview to this one.
    pub fn absorb(&mut self, other: Preview) {
        self.new_indicators.extend(other.new_indicators);
        self.new_periods.extend(other.new_periods);
        self.new_values += other.new_values;
        let room = REVISIONS_KEPT.saturating_sub(self.revised.len());
        self.revised.extend(other.revised.into_iter().take(room));
        self.revised_total += other.revised_total;
        self.unchanged += other.unchanged;
    }
}

/// Compares every row of `frame` (a validated upload) with `published`.
pub fn preview(frame: &DataFrame, published: Option<&Dataset>) -> PolarsResult<Preview> {
    let frame = &col::as_text(frame)?;
    let s = |name: &str| frame.column(name).and_then(|c| c.str().cloned());
    let (ids, areas, sexes, ages, cat_types, cats, periods) = (
        s(col::INDICATOR_ID)?,
        s(col::AREA_CODE)?,
        s(col::SEX)?,
        s(col::AGE)?,
        s(col::CATEGORY_TYPE)?,
        s(col::CATEGORY)?,
        s(col::PERIOD)?,
    );
    let values = frame.column(col::VALUE)?.f64()?.clone();
    let mut out = Preview::default();
    for i in 0..frame.height() {
        let text = |c: &StringChunked| c.get(i).unwrap_or_default().to_owned();
        let (id, period) = (text(&ids), text(&periods));
        let breakdown = Breakdown {
            sex: text(&sexes),
            age: text(&ages),
            category_type: text(&cat_types),
            category: text(&cats),
        };
        let area = text(&areas);
        let lookup = match published {
            Some(d) => d.find(&id, &breakdown, &area, &period),
            None => Lookup::NoIndicator,
        };
        let new = values.get(i);
        match lookup {
            Lookup::NoIndicator => {
                out.new_indicators.insert(id);
            }
            Lookup::NoPeriod => {
                out.new_periods.insert((id, period));
            }
            Lookup::NoValue => out.new_values += 1,
            Lookup::Found(p) if p.value == new => out.unchanged += 1,
            Lookup::Found(p) => {
                out.revised_total += 1;
                if out.revised.len() < REVISIONS_KEPT {
                    out.revised.push(Revision {
                        indicator: id,
                        area,
                        breakdown: breakdown.label(),
                        period,
                        old: p.value,
                        new,
                    });
                }
            }
        }
    }
    Ok(out)
}
