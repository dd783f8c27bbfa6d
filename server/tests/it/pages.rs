//! The server-rendered pages, as a browser without JavaScript gets them.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_world_page_shows_the_totals_and_the_countries() {
    let app = TestApp::with_fixtures().await;

    let (status, html) = app.get_text("/").await;

    assert_eq!(status, 200);
    assert!(
        html.contains("<dd id=\"total-confirmed\">158</dd>"),
        "total confirmed missing"
    );
    assert!(
        html.contains("<dd id=\"total-deaths\">12</dd>"),
        "total deaths missing"
    );
    assert!(
        html.contains("href=\"/region/south-korea\""),
        "the country table links to Korea"
    );
    assert!(
        html.contains("Johns Hopkins University"),
        "the source is credited"
    );
    assert!(
        html.contains("<svg preserveAspectRatio"),
        "the chart is drawn on the server"
    );
}

#[tokio::test]
async fn a_county_page_has_breadcrumbs_and_charts() {
    let app = TestApp::with_fixtures().await;

    let (status, html) = app.get_text("/region/united-states/new-york/kings").await;

    assert_eq!(status, 200);
    assert!(html.contains("<h1>Kings</h1>"));
    assert!(
        html.contains("href=\"/region/united-states/new-york\""),
        "breadcrumb to the state"
    );
    assert!(html.contains("id=\"chart-cases\""));
    assert!(html.contains("Daily new confirmed cases in Kings from 2020-01-22 to 2020-01-29"));
}

#[tokio::test]
async fn the_table_sorts_on_the_server_from_the_address() {
    let app = TestApp::with_fixtures().await;

    let (_, html) = app.get_text("/?sort=name&dir=asc").await;

    let afghanistan = html.find(">Afghanistan</a>").expect("Afghanistan listed");
    let us = html.find(">United States</a>").expect("the US listed");
    assert!(afghanistan < us);
    let (_, html) = app.get_text("/?sort=total&dir=desc").await;
    let ship = html.find(">Diamond Princess</a>").expect("the ship listed");
    let afghanistan = html.find(">Afghanistan</a>").expect("Afghanistan listed");
    assert!(ship < afghanistan, "61 cases sort before 21");
}

#[tokio::test]
async fn an_unknown_region_is_a_helpful_404() {
    let app = TestApp::with_fixtures().await;

    let (status, html) = app.get_text("/region/atlantis").await;

    assert_eq!(status, 404);
    assert!(html.contains("We have no region at this address"));
    assert!(html.contains("href=\"/\""));
}

#[tokio::test]
async fn the_world_page_before_the_first_load_says_so_with_a_503() {
    let app = TestApp::spawn().await;

    let (status, html) = app.get_text("/").await;

    assert_eq!(status, 503);
    assert!(html.contains("The figures are being loaded"));
}

#[tokio::test]
async fn the_name_filter_works_without_javascript() {
    let app = TestApp::with_fixtures().await;

    let (status, html) = app.get_text("/?q=fran&sort=total").await;

    assert_eq!(status, 200);
    assert!(html.contains(">France</a>"));
    assert!(
        !html.contains(">Afghanistan</a>"),
        "rows not matching the filter are left out"
    );
}
