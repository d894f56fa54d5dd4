//! Domain types shared by the server and the browser bundle.
//!
//! Nothing here may depend on a server-only crate: islands receive these
//! types as serialised props.

use serde::{Deserialize, Serialize};

/// The Board's six priorities (the Joint Health and Wellbeing Strategy).
///
/// The order is the order the Board's papers use, and the order of the
/// navigation. Serialised as its slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    ChildrenAndYoungPeople,
    GenerallyWell,
    LongTermConditions,
    MentalHealth,
    Cancer,
    OlderPeople,
}

impl Priority {
    pub const ALL: [Priority; 6] = [
        Priority::ChildrenAndYoungPeople,
        Priority::GenerallyWell,
        Priority::LongTermConditions,
        Priority::MentalHealth,
        Priority::Cancer,
        Priority::OlderPeople,
    ];

    /// The stable URL segment: `/priority/{slug}`. Board papers link to
    /// these, so they must never change.
    pub fn slug(self) -> &'static str {
        match self {
            Priority::ChildrenAndYoungPeople => "children-and-young-people",
            Priority::GenerallyWell => "generally-well",
            Priority::LongTermConditions => "long-term-conditions",
            Priority::MentalHealth => "mental-health",
            Priority::Cancer => "cancer",
            Priority::OlderPeople => "older-people",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.slug() == slug)
    }

    pub fn title(self) -> &'static str {
        match self {
            Priority::ChildrenAndYoungPeople => "Children and Young People",
            Priority::GenerallyWell => "Generally Well",
            Priority::LongTermConditions => "Long-term Conditions",
            Priority::MentalHealth => "Mental Health",
            Priority::Cancer => "Cancer",
            Priority::OlderPeople => "Older People",
        }
    }

    /// The outcome the Board has set for the priority, in plain English.
    pub fn aim(self) -> &'static str {
        match self {
            Priority::ChildrenAndYoungPeople => {
                "Improved early child development: a healthy start, school readiness and safe childhoods."
            }
            Priority::GenerallyWell => {
                "More people physically active, eating healthily and less harmed by alcohol."
            }
            Priority::LongTermConditions => {
                "Less heart disease and stroke: fewer smokers, earlier detection and better care."
            }
            Priority::MentalHealth => {
                "Prevention, early detection and treatment of mental ill health, and fewer suicides."
            }
            Priority::Cancer => {
                "Fewer premature deaths from cancer through screening and earlier diagnosis."
            }
            Priority::OlderPeople => {
                "A better quality of life for older people: fewer falls, longer healthy lives."
            }
        }
    }
}

/// The life-course stages the Board's plan groups indicators by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifeCourse {
    StartingWell,
    LivingWell,
    AgeingWell,
}

impl LifeCourse {
    pub const ALL: [LifeCourse; 3] = [
        LifeCourse::StartingWell,
        LifeCourse::LivingWell,
        LifeCourse::AgeingWell,
    ];

    pub fn title(self) -> &'static str {
        match self {
            LifeCourse::StartingWell => "Starting Well",
            LifeCourse::LivingWell => "Living Well",
            LifeCourse::AgeingWell => "Ageing Well",
        }
    }
}

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
    pub lines: Vec<String>,
    /// The card's link, keeping the edition and area of the page.
    pub href: String,
}

impl From<Priority> for PrioritySummary {
    fn from(p: Priority) -> Self {
        PrioritySummary {
            slug: p.slug().to_owned(),
            title: p.title().to_owned(),
            aim: p.aim().to_owned(),
            lines: Vec::new(),
            href: format!("/priority/{}", p.slug()),
        }
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
    fn slugs_round_trip_and_are_the_published_routes() {
        let slugs: Vec<_> = Priority::ALL.iter().map(|p| p.slug()).collect();
        assert_eq!(
            slugs,
            [
                "children-and-young-people",
                "generally-well",
                "long-term-conditions",
                "mental-health",
                "cancer",
                "older-people"
            ]
        );
        for p in Priority::ALL {
            assert_eq!(Priority::from_slug(p.slug()), Some(p));
        }
        assert_eq!(Priority::from_slug("Cancer"), None);
        assert_eq!(Priority::from_slug(""), None);
    }

    #[test]
    fn query_matches_every_word_ignoring_case() {
        let card = PrioritySummary::from(Priority::MentalHealth);
        assert!(matches_query(&card, ""));
        assert!(matches_query(&card, "mental"));
        assert!(matches_query(&card, "SUICIDES  mental"));
        assert!(!matches_query(&card, "mental cancer"));
    }
}
