-- The public dashboard: regions, their daily series, and the log of ingestion runs.
-- Counts are INTEGER, dates are ISO 8601 TEXT (`YYYY-MM-DD`), so that the same queries run on
-- SQLite and on Postgres through sqlx's Any driver.

-- A place in the hierarchy world > country > province or state > county or city, plus the
-- rows the sources report outside it (cruise ships, games, unassigned cases).
CREATE TABLE regions (
    id          INTEGER PRIMARY KEY,
    -- The source's own names joined by '|': 'France', 'France|Reunion', 'US|New York|Kings'.
    key         TEXT NOT NULL UNIQUE,
    -- The path used in URLs: 'france/reunion'; '' for the world.
    slug        TEXT NOT NULL UNIQUE,
    parent_id   INTEGER REFERENCES regions (id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    -- For a region whose series is a row of a source file: the file's layout ('global', 'us').
    -- A later file of that layout that lacks the region is refused unless forced.
    source      TEXT,
    uid         INTEGER,
    iso2        TEXT,
    iso3        TEXT,
    fips        TEXT,
    lat         REAL,
    lon         REAL,
    population  INTEGER
);
CREATE INDEX regions_parent ON regions (parent_id);

-- One row per region and day. The daily increases are stored beside the cumulative counts;
-- a negative increase is a downward revision by the source and is kept as it is.
CREATE TABLE daily (
    region_id      INTEGER NOT NULL REFERENCES regions (id),
    day            TEXT NOT NULL,
    confirmed      INTEGER,
    deaths         INTEGER,
    new_confirmed  INTEGER,
    new_deaths     INTEGER,
    -- Bit 1: the confirmed count went down this day; bit 2: the deaths count did.
    revised        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region_id, day)
) WITHOUT ROWID;

-- Each region's latest figures, kept up to date by ingestion so that tables of hundreds of
-- regions are one indexed read.
CREATE TABLE region_latest (
    region_id            INTEGER PRIMARY KEY REFERENCES regions (id),
    confirmed_day        TEXT,
    confirmed            INTEGER,
    new_confirmed        INTEGER,
    avg7_confirmed       REAL,
    prev_avg7_confirmed  REAL,
    deaths_day           TEXT,
    deaths               INTEGER,
    new_deaths           INTEGER,
    avg7_deaths          REAL
);

-- The UID/ISO/FIPS lookup table as last ingested: codes, coordinates and populations.
CREATE TABLE lookup (
    uid         INTEGER PRIMARY KEY,
    iso2        TEXT,
    iso3        TEXT,
    fips        TEXT,
    admin2      TEXT NOT NULL,
    province    TEXT NOT NULL,
    country     TEXT NOT NULL,
    lat         REAL,
    lon         REAL,
    population  INTEGER
);

-- Every ingestion attempt, successful or not.
CREATE TABLE ingestion_runs (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,
    -- The hour the data was taken, 'YYYY_MM_DD_HH' in UTC.
    data_hour      TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    duration_ms    INTEGER NOT NULL,
    -- 'applied', 'unchanged' (same checksum or not modified upstream) or 'failed'.
    outcome        TEXT NOT NULL,
    checksum       TEXT,
    etag           TEXT,
    last_modified  TEXT,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    inserted       INTEGER NOT NULL DEFAULT 0,
    changed        INTEGER NOT NULL DEFAULT 0,
    skipped        INTEGER NOT NULL DEFAULT 0,
    -- One line per skipped row: 'line N: reason'.
    skipped_reasons TEXT,
    error          TEXT
);
CREATE INDEX ingestion_runs_source ON ingestion_runs (source, id);

-- A single row counting changes to the data, for cache validation.
CREATE TABLE data_version (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    version       INTEGER NOT NULL,
    data_hour     TEXT,
    refreshed_at  TEXT
);
INSERT INTO data_version (id, version) VALUES (1, 0);
