//! Vaccination bookings over HTTP: the rules, the capacity under concurrency, and privacy.

use chrono::{Duration, Utc};
use futures::future::join_all;

use crate::helpers::{Person, TestApp};

fn day_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days)).to_string()
}

async fn book(person: &Person, dose: u8, hospital: i64, day: &str) -> (u16, serde_json::Value) {
    person
        .call(
            "book_dose",
            &[
                ("dose", &dose.to_string()),
                ("hospital_id", &hospital.to_string()),
                ("day", day),
            ],
        )
        .await
}

/// The doses booked and the capacity of a hospital's day, straight from the database.
async fn day_counts(app: &TestApp, hospital: i64, day: &str) -> (i64, i64) {
    let booked: Option<i64> =
        sqlx::query_scalar("SELECT booked FROM hospital_days WHERE hospital_id = $1 AND day = $2")
            .bind(hospital)
            .bind(day.to_owned())
            .fetch_optional(&app.state.db.pool)
            .await
            .expect("a count");
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings WHERE hospital_id = $1 AND day = $2 AND status = 'booked'",
    )
    .bind(hospital)
    .bind(day.to_owned())
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a count");
    (booked.unwrap_or(0), active)
}

#[tokio::test]
async fn a_booked_dose_is_listed_with_its_reference_and_can_be_cancelled() {
    let app = TestApp::spawn().await;
    let hospital = app.add_hospital("Hôpital Test", 48.85, 2.35, Some(5)).await;
    let person = Person::with_profile(&app, "ada@example.org").await;

    let (status, booking) = book(&person, 1, hospital, &day_in(3)).await;
    assert_eq!(status, 200, "{booking}");
    let reference = booking["reference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("VX-"));
    assert_eq!(booking["hospital_name"], "Hôpital Test");

    let (_, mine) = person.call("my_vaccinations", &[]).await;
    assert_eq!(mine["bookings"][0]["reference"], reference.as_str());
    assert_eq!(mine["bookings"][0]["active"], true);
    let (_, free) = person
        .call("free_days", &[("hospital_id", &hospital.to_string())])
        .await;
    assert_eq!(free["name"], "Hôpital Test");
    let that_day = free["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["day"] == day_in(3).as_str())
        .expect("the day is listed");
    assert_eq!(that_day["free"], 4);

    let id = booking["id"].to_string();
    let (status, body) = person.call("cancel_booking", &[("booking_id", &id)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(day_counts(&app, hospital, &day_in(3)).await, (0, 0));
    let (_, mine) = person.call("my_vaccinations", &[]).await;
    assert_eq!(mine["bookings"][0]["active"], false);
}

#[tokio::test]
async fn booking_needs_a_login_and_a_profile() {
    let app = TestApp::spawn().await;
    let hospital = app.add_hospital("H", 48.85, 2.35, Some(5)).await;
    let (status, _) = book(&Person::new(&app), 1, hospital, &day_in(3)).await;
    assert_eq!(status, 401);
    let (status, body) = book(
        &Person::register(&app, "ada@example.org").await,
        1,
        hospital,
        &day_in(3),
    )
    .await;
    assert_eq!(status, 409);
    assert!(body["Conflict"].as_str().unwrap().contains("profile"));
}

#[tokio::test]
async fn doses_follow_their_order_and_intervals() {
    let app = TestApp::spawn().await;
    let hospital = app.add_hospital("H", 48.85, 2.35, Some(5)).await;
    let person = Person::with_profile(&app, "ada@example.org").await;

    let (status, body) = book(&person, 2, hospital, &day_in(25)).await;
    assert_eq!(status, 409);
    assert_eq!(body["Conflict"], "Book dose 1 first.");
    let (status, _) = book(&person, 1, hospital, &day_in(2)).await;
    assert_eq!(status, 200);
    let (status, body) = book(&person, 1, hospital, &day_in(4)).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = book(&person, 2, hospital, &day_in(22)).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["Conflict"].as_str().unwrap().contains(&day_in(23)));
    let (status, body) = book(&person, 2, hospital, &day_in(23)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = book(&person, 1, hospital, &day_in(40)).await;
    assert_eq!(status, 409, "outside the four-week window");
    let (status, _) = book(&person, 4, hospital, &day_in(5)).await;
    assert_ne!(status, 200);
}

#[tokio::test]
async fn fifty_concurrent_bookings_of_a_one_dose_day_confirm_exactly_one() {
    let app = TestApp::spawn().await;
    let hospital = app.add_hospital("Small clinic", 48.85, 2.35, Some(1)).await;
    let mut people = Vec::new();
    for i in 0..50 {
        people.push(Person::with_profile(&app, &format!("p{i}@example.org")).await);
    }
    let day = day_in(5);

    let answers = join_all(people.iter().map(|p| book(p, 1, hospital, &day))).await;

    let confirmed = answers.iter().filter(|(status, _)| *status == 200).count();
    let full: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status == 409)
        .collect();
    assert_eq!(confirmed, 1, "{answers:?}");
    assert_eq!(full.len(), 49, "{answers:?}");
    assert!(
        full.iter()
            .all(|(_, body)| body["Conflict"].as_str().unwrap().contains("fully booked"))
    );
    assert_eq!(day_counts(&app, hospital, &day).await, (1, 1));
}

#[tokio::test]
async fn concurrent_cancels_and_bookings_never_lose_or_duplicate_capacity() {
    let app = TestApp::spawn().await;
    let hospital = app.add_hospital("Clinic", 48.85, 2.35, Some(3)).await;
    let day = day_in(6);
    let mut holders = Vec::new();
    let mut bookings = Vec::new();
    for i in 0..3 {
        let person = Person::with_profile(&app, &format!("holder{i}@example.org")).await;
        let (status, booking) = book(&person, 1, hospital, &day).await;
        assert_eq!(status, 200);
        bookings.push(booking["id"].to_string());
        holders.push(person);
    }
    let mut waiting = Vec::new();
    for i in 0..12 {
        waiting.push(Person::with_profile(&app, &format!("waiting{i}@example.org")).await);
    }

    let cancels = holders.iter().zip(&bookings).map(|(p, id)| async move {
        p.call("cancel_booking", &[("booking_id", id.as_str())])
            .await
    });
    let books = waiting.iter().map(|p| book(p, 1, hospital, &day));
    let (cancelled, booked) = tokio::join!(join_all(cancels), join_all(books));

    assert!(
        cancelled.iter().all(|(status, _)| *status == 200),
        "{cancelled:?}"
    );
    let confirmed = booked.iter().filter(|(status, _)| *status == 200).count();
    assert!(confirmed <= 3, "{confirmed} confirmed on a day of 3");
    let (counter, active) = day_counts(&app, hospital, &day).await;
    assert_eq!(
        counter, active,
        "the day's counter and its bookings disagree"
    );
    assert_eq!(active as usize, confirmed);
    // Whatever is left is free for the next person.
    let late = Person::with_profile(&app, "late@example.org").await;
    let (status, _) = book(&late, 1, hospital, &day).await;
    assert_eq!(status == 200, confirmed < 3);
}

#[tokio::test]
async fn moving_to_a_full_day_keeps_the_old_booking() {
    let app = TestApp::spawn().await;
    let hospital = app.add_hospital("Clinic", 48.85, 2.35, Some(1)).await;
    let ada = Person::with_profile(&app, "ada@example.org").await;
    let bob = Person::with_profile(&app, "bob@example.org").await;
    let (_, ada_booking) = book(&ada, 1, hospital, &day_in(3)).await;
    let (status, _) = book(&bob, 1, hospital, &day_in(4)).await;
    assert_eq!(status, 200);

    let id = ada_booking["id"].to_string();
    let hospital_id = hospital.to_string();
    let (status, body) = ada
        .call(
            "move_booking",
            &[
                ("booking_id", &id),
                ("hospital_id", &hospital_id),
                ("day", &day_in(4)),
            ],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(day_counts(&app, hospital, &day_in(3)).await, (1, 1));

    let (status, moved) = ada
        .call(
            "move_booking",
            &[
                ("booking_id", &id),
                ("hospital_id", &hospital_id),
                ("day", &day_in(5)),
            ],
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_ne!(moved["reference"], ada_booking["reference"]);
    assert_eq!(day_counts(&app, hospital, &day_in(3)).await, (0, 0));
    assert_eq!(day_counts(&app, hospital, &day_in(5)).await, (1, 1));
}

#[tokio::test]
async fn nobody_can_cancel_move_or_see_another_persons_booking() {
    let app = TestApp::spawn().await;
    let hospital = app.add_hospital("Clinic", 48.85, 2.35, Some(5)).await;
    let ada = Person::with_profile(&app, "ada@example.org").await;
    let bob = Person::with_profile(&app, "bob@example.org").await;
    let (_, booking) = book(&ada, 1, hospital, &day_in(3)).await;
    let id = booking["id"].to_string();

    let (status, _) = bob.call("cancel_booking", &[("booking_id", &id)]).await;
    assert_eq!(status, 404);
    let (status, _) = bob
        .call(
            "move_booking",
            &[
                ("booking_id", &id),
                ("hospital_id", &hospital.to_string()),
                ("day", &day_in(6)),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let (_, bobs) = bob.call("my_vaccinations", &[]).await;
    assert_eq!(bobs["bookings"].as_array().unwrap().len(), 0);
    let (status, _) = Person::new(&app)
        .call("cancel_booking", &[("booking_id", &id)])
        .await;
    assert_eq!(status, 401);
    assert_eq!(day_counts(&app, hospital, &day_in(3)).await, (1, 1));
}

#[tokio::test]
async fn booking_dose_two_while_moving_dose_one_keeps_the_interval() {
    let app = TestApp::spawn().await;
    let hospital = app.add_hospital("Clinic", 48.85, 2.35, Some(50)).await;
    for round in 0..4 {
        let person = Person::with_profile(&app, &format!("racer{round}@example.org")).await;
        let (_, first) = book(&person, 1, hospital, &day_in(1)).await;
        let id = first["id"].to_string();
        let hospital_id = hospital.to_string();
        let (late, dose_two_day) = (day_in(27), day_in(23));
        let fields = [
            ("booking_id", id.as_str()),
            ("hospital_id", hospital_id.as_str()),
            ("day", late.as_str()),
        ];
        let (moved, second) = tokio::join!(
            person.call("move_booking", &fields),
            book(&person, 2, hospital, &dose_two_day),
        );
        // At most one of the two can stand: dose 2 must stay 21 days after dose 1.
        assert!(
            !(moved.0 == 200 && second.0 == 200),
            "both succeeded: {moved:?} {second:?}"
        );
    }
}
