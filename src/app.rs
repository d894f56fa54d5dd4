//! The HTML shell and the route table. Server-only: in islands mode the
//! pages render on the server and only `crate::islands` reach the browser.
//! Its inline scripts (the island loader, Leptos's resource stubs) are
//! allowed by hash (`web::csp`), so every reader gets the same bytes.

use crate::pages::{
    AuditPage, DraftPlanPage, EditionBanner, EditionsPage, HomePage, IndicatorPage, LoginPage,
    NewAssessmentPage, NotFound, OtherIndicatorsPage, OverviewPage, PartnershipPage, PasswordPage,
    PlanPage, PriorityPage, PublishConfirmPage, SiteFooter, SiteHeader, UploadPage,
    UploadResultPage, UsersPage,
};
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{ParamSegment, StaticSegment};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // leptos_axum draws a nonce per request; an empty one keeps the island
    // loader's tags the same for everyone (`web::csp` allows it by hash
    // and removes the attribute).
    provide_context(leptos::nonce::Nonce::from_value(""));
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="site-css" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let board = crate::site::use_site().board.name.clone();
    view! {
        <Title formatter=move |page: String| format!("{page} – {board}") />
        <Router>
            <a href="#main" class="skip-link">"Skip to main content"</a>
            <SiteHeader />
            <EditionBanner />
            <main id="main" class="container main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage />
                    <Route path=(StaticSegment("priority"), ParamSegment("slug")) view=PriorityPage />
                    <Route path=(StaticSegment("indicator"), ParamSegment("id")) view=IndicatorPage />
                    <Route path=StaticSegment("overview") view=OverviewPage />
                    <Route path=StaticSegment("other") view=OtherIndicatorsPage />
                    <Route path=StaticSegment("plan") view=PlanPage />
                    <Route path=StaticSegment("partnership") view=PartnershipPage />
                    <Route path=(StaticSegment("partnership"), StaticSegment("new")) view=NewAssessmentPage />
                    <Route path=(StaticSegment("editions"), ParamSegment("id"), StaticSegment("plan")) view=DraftPlanPage />
                    <Route path=StaticSegment("login") view=LoginPage />
                    <Route path=StaticSegment("editions") view=EditionsPage />
                    <Route path=(StaticSegment("editions"), ParamSegment("id"), StaticSegment("publish")) view=PublishConfirmPage />
                    <Route path=StaticSegment("audit") view=AuditPage />
                    <Route path=StaticSegment("upload") view=UploadPage />
                    <Route path=(StaticSegment("upload"), ParamSegment("token")) view=UploadResultPage />
                    <Route path=(StaticSegment("admin"), StaticSegment("users")) view=UsersPage />
                    <Route path=(StaticSegment("account"), StaticSegment("password")) view=PasswordPage />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}
