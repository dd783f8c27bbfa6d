//! Accounts over HTTP: registering, logging in and out, throttling, sessions, profiles, and
//! the request checks around them.

use crate::helpers::{PASSWORD, Person, TestApp};

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("covid19_session="))
        .map(str::to_owned)
}

#[tokio::test]
async fn registering_logs_the_person_in() {
    let app = TestApp::spawn().await;
    let person = Person::register(&app, " Ada@Example.org ").await;

    let (status, me) = person.call("me", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "ada@example.org");
    assert_eq!(me["has_profile"], false);
    let (_, anonymous) = Person::new(&app).call("me", &[]).await;
    assert!(anonymous.is_null(), "{anonymous}");
}

#[tokio::test]
async fn registration_checks_each_field_and_refuses_a_taken_email() {
    let app = TestApp::spawn().await;
    let person = Person::new(&app);
    let (status, body) = person
        .call(
            "register",
            &[("email", "not-an-email"), ("password", "short")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = body["Invalid"].as_array().expect("field errors");
    assert_eq!(fields[0]["field"], "email");

    let (status, body) = person
        .call(
            "register",
            &[("email", "ada@example.org"), ("password", "short")],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["Invalid"][0]["field"], "password");

    Person::register(&app, "ada@example.org").await;
    let (status, body) = Person::new(&app)
        .call(
            "register",
            &[("email", "ADA@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["Invalid"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already an account")
    );
}

#[tokio::test]
async fn the_stored_password_is_an_argon2id_hash() {
    let app = TestApp::spawn().await;
    Person::register(&app, "ada@example.org").await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("a hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    Person::register(&app, "ada@example.org").await;
    let stranger = Person::new(&app);

    let wrong = stranger
        .call(
            "login",
            &[
                ("email", "ada@example.org"),
                ("password", "not the password"),
            ],
        )
        .await;
    let unknown = stranger
        .call(
            "login",
            &[
                ("email", "nobody@example.org"),
                ("password", "not the password"),
            ],
        )
        .await;

    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown);
    let (_, me) = stranger.call("me", &[]).await;
    assert!(me.is_null());
}

#[tokio::test]
async fn repeated_failures_slow_logins_down_then_refuse_them() {
    let app = TestApp::spawn().await;
    Person::register(&app, "ada@example.org").await;
    let guesser = Person::new(&app);
    let guess = || {
        guesser.call(
            "login",
            &[
                ("email", "ada@example.org"),
                ("password", "guess guess guess"),
            ],
        )
    };

    for _ in 0..5 {
        assert_eq!(guess().await.0, 401);
    }
    let started = std::time::Instant::now();
    assert_eq!(guess().await.0, 401);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(250),
        "the sixth guess was not slowed: {:?}",
        started.elapsed()
    );
    for _ in 0..4 {
        assert_eq!(guess().await.0, 401);
    }

    // Ten failures: even the right password is refused for a while.
    let (status, body) = guesser
        .call(
            "login",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["TooManyAttempts"]
            .as_str()
            .unwrap()
            .contains("15 minutes")
    );
    // Another account is not affected.
    Person::register(&app, "bob@example.org").await;
    let (status, _) = Person::new(&app)
        .call(
            "login",
            &[("email", "bob@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_session_id_changes_at_login_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    Person::register(&app, "ada@example.org").await;
    let login = |cookie: Option<String>| {
        let mut request = app
            .client
            .post(format!("{}/api/login", app.address))
            .header("Accept", "application/json")
            .form(&[("email", "ada@example.org"), ("password", PASSWORD)]);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        request.send()
    };
    let first = login(None).await.expect("a response");
    let first_cookie = session_cookie(&first).expect("a session cookie");
    assert!(first_cookie.contains("HttpOnly"));
    assert!(first_cookie.contains("SameSite=Lax"));
    let first_pair = first_cookie.split(';').next().unwrap().to_owned();

    let second = login(Some(first_pair.clone())).await.expect("a response");
    let second_pair = session_cookie(&second).expect("a new cookie");
    let second_pair = second_pair.split(';').next().unwrap().to_owned();
    assert_ne!(first_pair, second_pair);

    let me = |cookie: String| {
        app.client
            .post(format!("{}/api/me", app.address))
            .header("Accept", "application/json")
            .header("Cookie", cookie)
            .send()
    };
    let old = me(first_pair)
        .await
        .expect("a response")
        .text()
        .await
        .unwrap();
    assert_eq!(old, "null", "the old session still works");
    let new = me(second_pair.clone())
        .await
        .expect("a response")
        .text()
        .await
        .unwrap();
    assert!(new.contains("ada@example.org"));

    let logout = app
        .client
        .post(format!("{}/api/logout", app.address))
        .header("Accept", "application/json")
        .header("Cookie", second_pair.clone())
        .send()
        .await
        .expect("a response");
    assert!(
        session_cookie(&logout)
            .expect("a removal")
            .contains("Max-Age=0")
    );
    let after = me(second_pair)
        .await
        .expect("a response")
        .text()
        .await
        .unwrap();
    assert_eq!(after, "null");
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let app = TestApp::spawn().await;
    let person = Person::register(&app, "ada@example.org").await;
    let restarted = app.restart().await;
    let moved = Person {
        client: person.client.clone(),
        address: restarted.address.clone(),
    };
    let (status, me) = moved.call("me", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "ada@example.org");
}

#[tokio::test]
async fn the_profile_form_names_each_wrong_field_and_saves_nothing() {
    let app = TestApp::spawn().await;
    let person = Person::register(&app, "ada@example.org").await;
    let (status, body) = person
        .call(
            "save_profile",
            &[
                ("full_name", " "),
                ("birth_date", "2999-01-01"),
                ("phone", "call me"),
                ("address", ""),
                ("location_method", "typed"),
                ("region", ""),
                ("lat", "95"),
                ("lon", "2"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["full_name", "birth_date", "phone", "lat"]);
    let (_, profile) = person.call("profile", &[]).await;
    assert!(profile.is_null());
}

#[tokio::test]
async fn a_home_region_chosen_from_the_picker_gives_its_coordinates() {
    let app = TestApp::with_fixtures().await;
    let person = Person::register(&app, "ada@example.org").await;
    let (status, countries) = person.call("region_choices", &[("parent", "")]).await;
    assert_eq!(status, 200);
    let france = countries
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "France")
        .expect("France is offered")
        .clone();
    assert_eq!(france["has_children"], true);

    let (status, body) = person
        .call(
            "save_profile",
            &[
                ("full_name", "Ada Lovelace"),
                ("birth_date", "1985-12-10"),
                ("phone", "+44 20 7946 0958"),
                ("address", "1 Example Street"),
                ("location_method", "region"),
                ("region", france["id"].as_str().unwrap()),
                ("lat", ""),
                ("lon", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, profile) = person.call("profile", &[]).await;
    assert_eq!(profile["region"], "france");
    assert_eq!(profile["region_name"], "France");
    assert!(profile["lat"].as_f64().is_some(), "{profile}");
    assert_eq!(profile["location_method"], "Region");
}

#[tokio::test]
async fn nobody_reads_another_persons_profile() {
    let app = TestApp::spawn().await;
    let ada = Person::with_profile(&app, "ada@example.org").await;
    let bob = Person::register(&app, "bob@example.org").await;

    let (_, own) = ada.call("profile", &[]).await;
    assert_eq!(own["full_name"], "Test Person");
    let (_, other) = bob.call("profile", &[]).await;
    assert!(other.is_null(), "bob sees {other}");
    let (status, _) = Person::new(&app).call("profile", &[]).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn writes_from_another_site_are_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/api/register", app.address))
        .header("Origin", "https://evil.example")
        .form(&[("email", "ada@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .expect("a response");
    assert_eq!(response.status().as_u16(), 403);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("a count");
    assert_eq!(count, 0);

    let same_site = app
        .client
        .post(format!("{}/api/register", app.address))
        .header("Origin", app.address.clone())
        .header("Accept", "application/json")
        .form(&[("email", "ada@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .expect("a response");
    assert_eq!(same_site.status().as_u16(), 200);
}

#[tokio::test]
async fn personal_answers_are_never_cached() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/api/me", app.address))
        .send()
        .await
        .expect("a response");
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "private, no-store"
    );
}

#[tokio::test]
async fn an_expired_session_is_refused_and_then_removed() {
    let app = TestApp::spawn().await;
    let person = Person::register(&app, "ada@example.org").await;
    sqlx::query("UPDATE sessions SET expires_at = '2020-01-01T00:00:00Z'")
        .execute(&app.state.db.pool)
        .await
        .expect("an update");

    let (status, me) = person.call("me", &[]).await;
    assert_eq!(status, 200);
    assert!(me.is_null(), "{me}");
    let removed =
        app::store::accounts::delete_expired_sessions(&app.state.db, "2026-01-01T00:00:00Z")
            .await
            .expect("a cleanup");
    assert_eq!(removed, 1);
}

#[tokio::test]
async fn simultaneous_guesses_cannot_outrun_the_throttle() {
    let app = TestApp::spawn().await;
    Person::register(&app, "ada@example.org").await;
    let guesser = Person::new(&app);

    let guesses = (0..30).map(|i| {
        let password = format!("wrong guess number {i}");
        let guesser = &guesser;
        async move {
            guesser
                .call(
                    "login",
                    &[("email", "ada@example.org"), ("password", &password)],
                )
                .await
                .0
        }
    });
    let statuses = futures::future::join_all(guesses).await;

    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!(checked, 10, "{statuses:?}");
    assert_eq!(refused, 20, "{statuses:?}");
}

#[tokio::test]
async fn markup_typed_into_the_profile_is_shown_as_text() {
    let app = TestApp::spawn().await;
    let person = Person::register(&app, "ada@example.org").await;
    let (status, body) = person
        .call(
            "save_profile",
            &[
                ("full_name", "Ada"),
                ("birth_date", "1970-01-01"),
                ("phone", ""),
                (
                    "address",
                    "</textarea><img src=x onerror=alert(1)>\"><script>alert(2)</script>",
                ),
                ("location_method", "typed"),
                ("region", ""),
                ("lat", "1"),
                ("lon", "1"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let page = person
        .client
        .get(format!("{}/account", app.address))
        .send()
        .await
        .expect("a response");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.expect("a page");
    assert!(html.contains("id=\"address\""), "the form is there");
    assert!(!html.contains("<img src=x"), "markup reached the page");
    assert!(
        !html.contains("<script>alert(2)"),
        "markup reached the page"
    );
}

#[tokio::test]
async fn a_search_from_home_is_never_cached() {
    let app = TestApp::spawn().await;
    let response = app.get("/hospitals?home=1").await;
    assert_eq!(response.headers()["cache-control"], "private, no-store");
}
