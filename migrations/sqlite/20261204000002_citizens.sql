-- People, their sessions and profiles, hospitals with daily vaccination capacity, bookings and
-- watchlists. The same tables and columns as the SQLite migration. Times are RFC 3339 UTC text,
-- days ISO 8601 text; flags are BIGINT 0/1 so that sqlx's Any driver reads them alike.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    -- Lower-cased and trimmed; compared exactly.
    email          TEXT NOT NULL UNIQUE,
    -- An argon2id PHC string: algorithm, parameters, salt and hash.
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT 'citizen' CHECK (role IN ('citizen', 'staff')),
    created_at     TEXT NOT NULL
);

-- Only a SHA-256 of each session token is stored: a copy of this table opens no session.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins per account (`account:<sha256 of the email>`) and per client address
-- (`address:<ip>`), counted within a window.
CREATE TABLE login_failures (
    throttle_key   TEXT PRIMARY KEY,
    failures       BIGINT NOT NULL,
    window_start   TEXT NOT NULL
);

CREATE TABLE profiles (
    user_id          BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    full_name        TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    phone            TEXT,
    address          TEXT,
    -- How the home location was chosen: 'region', 'geolocation' or 'typed'.
    location_method  TEXT,
    home_region_id   BIGINT REFERENCES regions (id),
    home_lat         REAL,
    home_lon         REAL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE hospitals (
    id              INTEGER PRIMARY KEY,
    -- 'hifld' or 'eurostat', and the id the source gives it.
    source          TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    address         TEXT,
    city            TEXT,
    region          TEXT,
    postcode        TEXT,
    country         TEXT NOT NULL,
    lat             REAL NOT NULL,
    lon             REAL NOT NULL,
    beds            BIGINT,
    is_open         BIGINT NOT NULL,
    -- Doses a day; NULL until staff set it, meaning the configured default.
    daily_capacity  BIGINT CHECK (daily_capacity >= 0),
    updated_at      TEXT NOT NULL,
    UNIQUE (source, source_id)
);

-- A hospital's doses on one day: created on first booking with the capacity of that moment.
-- `booked` never exceeds `capacity` at the moment a booking is taken; the update that takes a
-- dose checks it in its WHERE clause, so concurrent bookings cannot overrun it.
CREATE TABLE hospital_days (
    hospital_id  BIGINT NOT NULL REFERENCES hospitals (id),
    day          TEXT NOT NULL,
    capacity     BIGINT NOT NULL CHECK (capacity >= 0),
    booked       BIGINT NOT NULL DEFAULT 0 CHECK (booked >= 0),
    PRIMARY KEY (hospital_id, day)
);

CREATE TABLE bookings (
    id            INTEGER PRIMARY KEY,
    -- Shown to the person and at the desk, e.g. `VX-7K2M-QP4D`.
    reference     TEXT NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dose          BIGINT NOT NULL CHECK (dose BETWEEN 1 AND 3),
    hospital_id   BIGINT NOT NULL REFERENCES hospitals (id),
    day           TEXT NOT NULL,
    -- 'booked' or 'cancelled'; a moved booking is cancelled and a new one made.
    status        TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
    created_at    TEXT NOT NULL,
    cancelled_at  TEXT
);
-- At most one active booking per dose and person.
CREATE UNIQUE INDEX bookings_one_active_per_dose ON bookings (user_id, dose)
    WHERE status = 'booked';

CREATE TABLE watchlist (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    region_id  BIGINT NOT NULL REFERENCES regions (id),
    added_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, region_id)
);
