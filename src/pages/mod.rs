//! Pages: one module per route, plus the layout every page shares.
//! Pages only read what they are given (the site, later an edition); they
//! never parse files or compute statistics.

mod home;
mod layout;
mod not_found;
mod priority;

pub use home::HomePage;
pub use layout::{EditionBanner, SiteFooter, SiteHeader};
pub use not_found::NotFound;
pub use priority::PriorityPage;
