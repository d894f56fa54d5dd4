//! Who the Board is and which places it reports on: a leaf that pages,
//! figures and the web layer all read, so none of them imports another for it.

use crate::areas::Area;
use crate::board::Board;
use std::sync::Arc;

/// What every page needs to know about the place being reported on.
#[derive(Debug, Clone)]
pub struct Site {
    /// The Board and its plan, from its board file.
    pub board: Arc<Board>,
    pub home: Area,
    pub region: Area,
    pub nation: Area,
}

impl Site {
    /// Areas a reader may focus on: the home area and the region's
    /// upper-tier areas. Pages, the API and the chart files share this one
    /// policy, so no raw `?area=` reaches a file name or a page.
    pub fn is_choosable(&self, code: &str) -> bool {
        code == self.home.code
            || crate::areas::Gazetteer::shared()
                .upper_tier_in(&self.region.code)
                .any(|a| a.code == code)
    }
}

/// The site, as provided to every page through the reactive context.
pub fn use_site() -> Arc<Site> {
    leptos::prelude::expect_context::<Arc<Site>>()
}
