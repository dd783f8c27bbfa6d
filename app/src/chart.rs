//! Charts of a region's series, drawn with plotters into SVG text. The same code runs on the
//! server (for the first paint) and in the browser (when a reader switches scale or range), so
//! both draw the same picture.

use plotters::prelude::*;

use crate::model::DailyRow;
use crate::stats;

/// Which count a chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Cases,
    Deaths,
}

impl Measure {
    pub fn noun(self) -> &'static str {
        match self {
            Self::Cases => "confirmed cases",
            Self::Deaths => "deaths",
        }
    }
}

/// Daily increases with their 7-day average, or the cumulative total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Daily,
    Cumulative,
}

/// The y axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

/// How much of the series to show, counting back from its last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    All,
    Year,
    Days90,
}

impl Range {
    fn days(self) -> Option<usize> {
        match self {
            Self::All => None,
            Self::Year => Some(365),
            Self::Days90 => Some(90),
        }
    }
}

/// Everything that decides what a chart draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartSpec {
    pub measure: Measure,
    pub view: View,
    pub scale: Scale,
    pub range: Range,
}

const WIDTH: u32 = 720;
const HEIGHT: u32 = 300;
/// Axis labels are sized for a phone, where the chart is drawn at about half its width.
const LABEL_SIZE: u32 = 22;

/// The points a chart draws: dates, the main values and, for daily charts, the 7-day average.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    pub dates: Vec<String>,
    pub values: Vec<f64>,
    pub average: Vec<Option<f64>>,
}

/// Picks the measure and view out of a series and cuts it to the range. The 7-day average is
/// computed over the whole series first, so the first week of a short range still has one.
pub fn chart_data(rows: &[DailyRow], spec: ChartSpec) -> ChartData {
    let rows: Vec<&DailyRow> = rows
        .iter()
        .filter(|row| match spec.measure {
            Measure::Cases => row.confirmed.is_some(),
            Measure::Deaths => row.deaths.is_some(),
        })
        .collect();
    let (cumulative, daily): (Vec<i64>, Vec<i64>) = rows
        .iter()
        .map(|row| match spec.measure {
            Measure::Cases => (row.confirmed.unwrap_or(0), row.new_confirmed.unwrap_or(0)),
            Measure::Deaths => (row.deaths.unwrap_or(0), row.new_deaths.unwrap_or(0)),
        })
        .unzip();
    let averages = stats::seven_day_averages(&daily);
    let skip = spec
        .range
        .days()
        .map_or(0, |days| rows.len().saturating_sub(days));

    let dates = rows[skip..].iter().map(|row| row.date.clone()).collect();
    match spec.view {
        View::Daily => ChartData {
            dates,
            values: daily[skip..].iter().map(|&v| v as f64).collect(),
            average: averages[skip..].to_vec(),
        },
        View::Cumulative => ChartData {
            dates,
            values: cumulative[skip..].iter().map(|&v| v as f64).collect(),
            average: Vec::new(),
        },
    }
}

/// A sentence that says what the chart shows, for screen readers and as its caption.
pub fn describe(region: &str, data: &ChartData, spec: ChartSpec) -> String {
    let (Some(first), Some(last)) = (data.dates.first(), data.dates.last()) else {
        return format!("No {} reported for {region}.", spec.measure.noun());
    };
    let noun = spec.measure.noun();
    match spec.view {
        View::Cumulative => {
            let total = data.values.last().copied().unwrap_or(0.0);
            format!(
                "Total {noun} in {region} from {first} to {last}, reaching {} on {last}.",
                stats::group_thousands(total as i64)
            )
        }
        View::Daily => {
            let latest = data.average.last().copied().flatten();
            let peak = data
                .average
                .iter()
                .enumerate()
                .filter_map(|(i, a)| a.map(|a| (i, a)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let mut sentence = format!("Daily new {noun} in {region} from {first} to {last}.");
            if let Some(latest) = latest {
                sentence.push_str(&format!(
                    " The 7-day average on {last} was {}.",
                    stats::format_decimal(latest)
                ));
            }
            if let Some((i, peak)) = peak {
                sentence.push_str(&format!(
                    " Its highest point in this range was {} on {}.",
                    stats::format_decimal(peak),
                    data.dates[i]
                ));
            }
            sentence
        }
    }
}

/// Draws the chart as an SVG document that scales to its container.
pub fn render_svg(data: &ChartData, spec: ChartSpec, label: &str) -> String {
    let mut svg = String::new();
    if data.values.is_empty() {
        return svg;
    }
    {
        let backend = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT));
        // Drawing into a string cannot fail for lack of space; an error here would only mean
        // a plotters bug, and the chart is then left out rather than the page failing.
        let _ = draw(backend, data, spec);
    }
    let label = escape_attribute(label);
    // plotters writes a viewBox already; fixed width and height would stop the chart from
    // shrinking to a phone's width.
    svg.replacen(
        &format!("<svg width=\"{WIDTH}\" height=\"{HEIGHT}\""),
        &format!("<svg preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"{label}\""),
        1,
    )
}

fn draw<'a>(
    backend: SVGBackend<'a>,
    data: &ChartData,
    spec: ChartSpec,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE)?;
    let n = data.values.len();
    let x_range = 0..n.max(2) - 1;
    let dates = data.dates.clone();
    let x_label = move |i: &usize| dates.get(*i).map(|d| d[..7].to_owned()).unwrap_or_default();
    let color = match spec.measure {
        Measure::Cases => RGBColor(0x1f, 0x6f, 0xb4),
        Measure::Deaths => RGBColor(0x6b, 0x3f, 0x98),
    };
    let y_label = |v: &f64| compact(*v);

    let max = data
        .values
        .iter()
        .copied()
        .chain(data.average.iter().flatten().copied())
        .fold(1.0f64, f64::max);
    let min = data.values.iter().copied().fold(0.0f64, f64::min);

    match spec.scale {
        Scale::Linear => {
            let mut chart = ChartBuilder::on(&root)
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(72)
                .build_cartesian_2d(x_range, min..max * 1.05)?;
            chart
                .configure_mesh()
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .x_labels(6)
                .y_labels(6)
                .x_label_formatter(&x_label)
                .y_label_formatter(&y_label)
                .label_style(("sans-serif", LABEL_SIZE))
                .draw()?;
            draw_series(&mut chart, data, color, Some)?;
        }
        Scale::Log => {
            let mut chart = ChartBuilder::on(&root)
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(72)
                .build_cartesian_2d(x_range, (1.0..max * 1.5).log_scale())?;
            chart
                .configure_mesh()
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .x_labels(6)
                .y_labels(6)
                .x_label_formatter(&x_label)
                .y_label_formatter(&y_label)
                .label_style(("sans-serif", LABEL_SIZE))
                .draw()?;
            // A logarithmic axis has no place for zero or a downward revision.
            draw_series(&mut chart, data, color, |v| (v >= 1.0).then_some(v))?;
        }
    }
    root.present()?;
    Ok(())
}

fn draw_series<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    data: &ChartData,
    color: RGBColor,
    keep: impl Fn(f64) -> Option<f64> + Copy,
) -> Result<(), Box<dyn std::error::Error + 'a>>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = usize>,
    Y: Ranged<ValueType = f64>,
{
    let faint = if data.average.is_empty() {
        color.stroke_width(2)
    } else {
        color.mix(0.35).stroke_width(1)
    };
    for segment in segments(data.values.iter().map(|&v| keep(v))) {
        chart.draw_series(LineSeries::new(segment, faint))?;
    }
    for segment in segments(data.average.iter().map(|a| a.and_then(keep))) {
        chart.draw_series(LineSeries::new(segment, color.stroke_width(3)))?;
    }
    Ok(())
}

/// Splits a series at its gaps into runs of (index, value) points.
fn segments(values: impl Iterator<Item = Option<f64>>) -> Vec<Vec<(usize, f64)>> {
    let mut runs = vec![Vec::new()];
    for (i, value) in values.enumerate() {
        match value {
            Some(v) => runs
                .last_mut()
                .map(|run| run.push((i, v)))
                .unwrap_or_default(),
            None if runs.last().is_some_and(|run| !run.is_empty()) => runs.push(Vec::new()),
            None => {}
        }
    }
    runs.retain(|run| !run.is_empty());
    runs
}

/// An axis label: `1.2M`, `350k`, `12`.
pub fn compact(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e9 {
        format!("{:.1}B", value / 1e9)
    } else if magnitude >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if magnitude >= 1e3 {
        format!("{:.0}k", value / 1e3)
    } else {
        format!("{value:.0}")
    }
}

fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cumulative: &[i64]) -> Vec<DailyRow> {
        let increases = stats::daily_increases(cumulative);
        cumulative
            .iter()
            .zip(&increases)
            .enumerate()
            .map(|(i, (&c, &n))| DailyRow {
                date: format!("2020-02-{:02}", i + 1),
                confirmed: Some(c),
                deaths: Some(c / 10),
                new_confirmed: Some(n),
                new_deaths: Some(0),
                confirmed_revised: n < 0,
                deaths_revised: false,
            })
            .collect()
    }

    const DAILY: ChartSpec = ChartSpec {
        measure: Measure::Cases,
        view: View::Daily,
        scale: Scale::Linear,
        range: Range::All,
    };

    #[test]
    fn daily_data_carries_the_seven_day_average() {
        let data = chart_data(&rows(&[0, 7, 14, 21, 28, 35, 42, 49, 40]), DAILY);
        assert_eq!(
            data.values,
            vec![0.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, -9.0]
        );
        assert_eq!(data.average[6], Some(6.0));
        assert_eq!(data.average[8], Some((7.0 * 6.0 - 9.0) / 7.0));
    }

    #[test]
    fn a_range_keeps_the_average_computed_over_the_whole_series() {
        let all: Vec<i64> = (0..100).map(|i| i * 10).collect();
        let data = chart_data(
            &rows(&all),
            ChartSpec {
                range: Range::Days90,
                ..DAILY
            },
        );
        assert_eq!(data.values.len(), 90);
        assert_eq!(data.dates.first().map(String::as_str), Some("2020-02-11"));
        assert_eq!(data.average[0], Some(10.0));
    }

    #[test]
    fn the_svg_scales_and_carries_its_description() {
        let spec = ChartSpec {
            scale: Scale::Log,
            ..DAILY
        };
        let data = chart_data(&rows(&[1, 10, 100, 1000, 900, 2000, 4000, 8000]), spec);
        let svg = render_svg(&data, spec, "Cases in \"Test\"");
        assert!(
            svg.starts_with("<svg preserveAspectRatio"),
            "{}",
            &svg[..80.min(svg.len())]
        );
        assert_eq!(
            svg.matches("viewBox=\"0 0 720 300\"").count(),
            1,
            "exactly one viewBox"
        );
        let root = &svg[..svg.find('>').unwrap_or(0)];
        assert!(!root.contains("width="), "no fixed width: {root}");
        assert!(svg.contains("aria-label=\"Cases in &quot;Test&quot;\""));
        assert!(
            svg.contains("<polyline") || svg.contains("<path"),
            "the series is drawn"
        );
    }

    #[test]
    fn the_description_names_latest_and_peak() {
        let data = chart_data(&rows(&[0, 7, 14, 21, 28, 35, 42, 70, 71]), DAILY);
        let text = describe("Testland", &data, DAILY);
        assert!(text.contains("from 2020-02-01 to 2020-02-09"), "{text}");
        assert!(text.contains("was 9.1"), "{text}");
        assert!(
            text.contains("highest point in this range was 10.0 on 2020-02-08"),
            "{text}"
        );
    }

    #[test]
    fn gaps_split_a_line() {
        let runs = segments([Some(1.0), None, Some(2.0), Some(3.0)].into_iter());
        assert_eq!(runs, vec![vec![(0, 1.0)], vec![(2, 2.0), (3, 3.0)]]);
    }

    #[test]
    fn axis_labels_are_compact() {
        assert_eq!(compact(1_240_000.0), "1.2M");
        assert_eq!(compact(350_000.0), "350k");
        assert_eq!(compact(12.0), "12");
    }
}
