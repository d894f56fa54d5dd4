//! Pages: one module per route, plus the layout every page shares.
//! Pages only read what they are given (the site and the request's
//! edition, as a `dataset::Dataset`); they never parse files or compute
//! statistics.

pub mod common;
mod home;
mod indicator;
mod layout;
mod manage;
mod not_found;
mod overview;
mod plan;
mod priority;
mod upload;

pub use home::HomePage;
pub use indicator::IndicatorPage;
pub use layout::{EditionBanner, SiteFooter, SiteHeader};
pub use manage::{
    AuditPage, EditionsPage, LoginPage, PasswordPage, PublishConfirmPage, UsersPage, use_user,
};
pub use not_found::NotFound;
pub use overview::OverviewPage;
pub use plan::{DraftPlanPage, NewAssessmentPage, PartnershipPage, PlanPage};
pub use priority::{OtherIndicatorsPage, PriorityPage};
pub use upload::{UploadPage, UploadResultPage};
