//! `chiso score`: scores from the database, as a table or as the API's JSON.

use super::{out, CliError};
use chiso::features::results::service as reports;
use chiso::report::ScoreQuery;
use chiso::scoring::NodeScore;
use chiso::state::AppState;
use clap::{Args, ValueEnum};

#[derive(Args)]
pub(super) struct ScoreArgs {
    #[arg(long)]
    survey: String,
    #[arg(long)]
    period: i32,
    #[arg(long)]
    unit: Option<String>,
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    /// Unit set to read the unit on (default: the newest set the unit belongs to)
    #[arg(long)]
    map: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

pub(super) fn run(state: &AppState, args: &ScoreArgs) -> Result<(), CliError> {
    let q = ScoreQuery {
        survey: args.survey.clone(),
        period: args.period,
        unit: args.unit.clone(),
        from: args.from.clone(),
        to: args.to.clone(),
        map: args.map.clone(),
    };
    let scores = reports::scores(state, &q)?;
    match args.format {
        Format::Json => out!(
            "{}",
            serde_json::to_string_pretty(&scores).map_err(|e| CliError::Refused(e.to_string()))?
        ),
        Format::Table => {
            out!("{} — {} responses", scores.survey, scores.responses);
            if let Some(label) = &scores.label {
                out!("{label}");
            }
            for note in &scores.map_notes {
                out!("{note}");
            }
            out!(
                "{:<8} {:>8} {:>17} {:>7} {:>8} {:>8} {:>9}  name",
                "code",
                "value",
                "95% CI",
                "n",
                "2022",
                "delta",
                "points"
            );
            for n in &scores.nodes {
                print_rows(n, 0);
            }
        }
    }
    Ok(())
}

fn print_rows(n: &NodeScore, depth: usize) {
    let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
    // Too few answers in a narrow slice: said so, not shown as "no data".
    let value = if n.withheld {
        "withheld".to_string()
    } else {
        f(n.value)
    };
    let ci = match (n.ci_low, n.ci_high) {
        (Some(l), Some(h)) => format!("{l:.2}–{h:.2}"),
        _ => "-".into(),
    };
    let sig = match n.significant {
        Some(true) => "*",
        _ => " ",
    };
    out!(
        "{:<8} {:>8} {:>17} {:>7} {:>8} {:>7}{sig} {:>9}  {}{}",
        n.code,
        value,
        ci,
        n.n,
        f(n.baseline),
        f(n.delta),
        n.points.as_deref().unwrap_or(""),
        "  ".repeat(depth),
        n.name.chars().take(60).collect::<String>()
    );
    for c in &n.children {
        print_rows(c, depth + 1);
    }
}
