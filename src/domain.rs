//! Domain types shared by the server and the browser bundle.
//!
//! Nothing here may depend on a server-only crate: islands receive these
//! types as serialised props.

use serde::{Deserialize, Serialize};

/// How an indicator's values are calculated; decides the confidence
/// interval method and which checks apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueType {
    Proportion,
    CrudeRate,
    Dsr,
    Isr,
    Mean,
    LifeExpectancy,
    Score,
    Count,
}

impl ValueType {
    /// The method in words, as the indicator page explains it.
    pub fn method(self) -> &'static str {
        match self {
            ValueType::Proportion => {
                "Proportion, with 95% and 99.8% confidence intervals by the Wilson score method"
            }
            ValueType::CrudeRate => {
                "Crude rate, with confidence intervals by the exact Poisson method below 10 events and Byar's method from 10"
            }
            ValueType::Dsr => {
                "Directly standardised rate (2013 European Standard Population), with confidence intervals by Dobson's method"
            }
            ValueType::Isr => {
                "Indirectly standardised ratio, with confidence intervals by the exact Poisson or Byar's method"
            }
            ValueType::Mean => "Mean, with confidence intervals from Student's t distribution",
            ValueType::LifeExpectancy => {
                "Life expectancy (Chiang II abridged life table), with confidence intervals from Silcocks' variance"
            }
            ValueType::Score => "Score, as published by the source",
            ValueType::Count => "Count of events",
        }
    }
}

/// Whether a higher value is better, worse, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Polarity {
    /// High is good.
    High,
    /// Low is good.
    Low,
    /// No judgement: comparisons say higher, similar or lower.
    None,
}

impl Polarity {
    pub fn describe(self) -> &'static str {
        match self {
            Polarity::High => "A higher value is better",
            Polarity::Low => "A lower value is better",
            Polarity::None => {
                "Neither higher nor lower is better: areas are described as higher, similar or lower"
            }
        }
    }
}

/// How an area is judged against a benchmark (Fingertips comparator methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ComparisonMethod {
    /// The area's 95% confidence interval overlapping the benchmark value.
    #[serde(rename = "ci-95")]
    Ci95,
    /// The same at 99.8%.
    #[serde(rename = "ci-99.8")]
    Ci998,
    /// Both levels: best, better, similar, worse, worst.
    #[serde(rename = "ci-two-level")]
    CiTwoLevel,
    /// Red, amber or green against the indicator's goal.
    #[serde(rename = "goal")]
    Goal,
    /// Not compared.
    #[serde(rename = "none")]
    NotCompared,
}

impl ComparisonMethod {
    pub fn describe(self) -> &'static str {
        match self {
            ComparisonMethod::Ci95 => {
                "Compared with the benchmark at 95% confidence: similar when the interval contains the benchmark's value"
            }
            ComparisonMethod::Ci998 => "Compared with the benchmark at 99.8% confidence",
            ComparisonMethod::CiTwoLevel => {
                "Compared at two levels: better or worse at 95% confidence, best or worst at 99.8%"
            }
            ComparisonMethod::Goal => {
                "Judged against the national goal: red below the lower threshold, amber between, green at or above the upper"
            }
            ComparisonMethod::NotCompared => "Not compared with a benchmark",
        }
    }
}

/// What a priority card shows; the props of the home page's filter island.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrioritySummary {
    pub slug: String,
    pub title: String,
    pub aim: String,
    /// Lines of the card's summary ("Compared with England: 3 better, ..."),
    /// written by the server from the edition.
    pub lines: Vec<CardLine>,
    /// The card's link, keeping the edition and area of the page.
    pub href: String,
}

/// One line of a priority card; a comparison line also carries its counts,
/// drawn as a stacked bar above the words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLine {
    pub text: String,
    pub split: Option<Split>,
}

impl CardLine {
    pub fn text(text: String) -> Self {
        Self { text, split: None }
    }
}

/// How a priority's indicators compare with one benchmark: better, similar,
/// worse, and not judged (no benchmark, no polarity or no data).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub benchmark: String,
    pub better: usize,
    pub similar: usize,
    pub worse: usize,
    pub not_judged: usize,
}

impl Split {
    /// The words for the counts: the text the bar stands beside.
    pub fn line(&self) -> String {
        let mut text = format!(
            "Compared with {}: {} better, {} similar, {} worse",
            self.benchmark, self.better, self.similar, self.worse
        );
        if self.not_judged > 0 {
            text.push_str(&format!(", {} not judged", self.not_judged));
        }
        text
    }

    /// The bar's segments in the order the line names them, empty ones
    /// left out: (class suffix, word, count).
    pub fn segments(&self) -> Vec<(&'static str, &'static str, usize)> {
        [
            ("better", "better", self.better),
            ("similar", "similar", self.similar),
            ("worse", "worse", self.worse),
            ("none", "not judged", self.not_judged),
        ]
        .into_iter()
        .filter(|s| s.2 > 0)
        .collect()
    }

    pub fn total(&self) -> usize {
        self.better + self.similar + self.worse + self.not_judged
    }
}

/// Case-insensitive match of every word of `query` against a card's text.
/// Shared so the server (no JavaScript) and the island (typing) agree.
pub fn matches_query(summary: &PrioritySummary, query: &str) -> bool {
    let haystack = format!("{} {}", summary.title, summary.aim).to_lowercase();
    query
        .split_whitespace()
        .all(|word| haystack.contains(&word.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_matches_every_word_ignoring_case() {
        let card = PrioritySummary {
            slug: "mental-health".into(),
            title: "Mental Health".into(),
            aim: "Prevention, early detection and treatment, and fewer suicides.".into(),
            lines: vec![CardLine::text("Compared with England: 9 better".into())],
            href: "/priority/mental-health".into(),
        };
        assert!(matches_query(&card, ""));
        assert!(matches_query(&card, "mental"));
        assert!(matches_query(&card, "SUICIDES  mental"));
        assert!(!matches_query(&card, "mental cancer"));
        assert!(
            !matches_query(&card, "england"),
            "only the title and aim are searched"
        );
    }

    #[test]
    fn a_split_names_its_counts_in_the_order_the_bar_draws_them() {
        let s = Split {
            benchmark: "England".into(),
            better: 4,
            similar: 0,
            worse: 1,
            not_judged: 2,
        };
        assert_eq!(
            s.line(),
            "Compared with England: 4 better, 0 similar, 1 worse, 2 not judged"
        );
        assert_eq!(
            s.segments(),
            vec![
                ("better", "better", 4),
                ("worse", "worse", 1),
                ("none", "not judged", 2)
            ]
        );
        assert_eq!(s.total(), 7);
        let judged_all = Split { not_judged: 0, ..s };
        assert!(!judged_all.line().contains("not judged"));
    }
}
