//! `chiso campaign`: a survey answered by a list of people through one-time links.

use super::{out, CliError};
use chiso::features::campaigns::service::{self as app, status_label, CampaignError, NewCampaign};
use chiso::state::AppState;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub(super) enum CampaignAction {
    /// Create a campaign from a respondent list (CSV: name,group,unit,contact) and open it;
    /// prints the campaign id as the last word
    Create {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        period: i32,
        #[arg(long)]
        respondents: PathBuf,
        #[arg(long, default_value = "")]
        title: String,
        /// Who runs the survey, shown to respondents
        #[arg(long, default_value = "")]
        organiser: String,
        /// The unit the answers count under (default: the city)
        #[arg(long, default_value = "")]
        unit: String,
        /// Keep the campaign in draft: its links work only once it is opened
        #[arg(long)]
        draft: bool,
    },
    /// Issue a new link to everyone who has not answered (earlier links stop working) and
    /// print them as CSV: name,group,link
    Links {
        id: String,
        /// Address to print instead of the public address (--public-url)
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Open a draft campaign
    Open { id: String },
    /// Close a campaign: its links stop working (it may be reopened within
    /// --campaign-grace-hours, its answers sealed until then)
    Close { id: String },
    /// Reopen a campaign closed within the grace period (closed by mistake)
    Reopen { id: String },
    /// List campaigns: id, survey, period, status, people, answered, title
    List,
    /// Print those who have not answered as CSV: name,group,unit,contact
    Reminders { id: String },
}

impl From<CampaignError> for CliError {
    fn from(e: CampaignError) -> Self {
        match e {
            CampaignError::Db(e) => CliError::Db(e),
            CampaignError::Invalid(f) => CliError::Refused(f.to_string()),
            CampaignError::Rows(rows) => CliError::Refused(format!(
                "the list was not stored ({} problem{}):\n{}",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                rows.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
            CampaignError::Refused(m) => CliError::Refused(m),
            CampaignError::NotFound => CliError::Refused("no such campaign".into()),
            CampaignError::Forbidden(t) => CliError::Refused(t.en),
        }
    }
}

use chiso::spreadsheet::text_cell as chiso_text;

fn csv_line(fields: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Names and contacts come from people: none is run as a formula.
    let _ = w.write_record(fields.iter().map(|f| chiso_text(f).into_owned()));
    String::from_utf8_lossy(&w.into_inner().unwrap_or_default())
        .trim_end()
        .to_string()
}

pub(super) fn run(state: &AppState, action: CampaignAction) -> Result<(), CliError> {
    // Closings whose grace period is over are final before anything is read or changed.
    app::finalise_due(state)?;
    match action {
        CampaignAction::Create {
            survey,
            period,
            respondents,
            title,
            organiser,
            unit,
            draft,
        } => {
            let name = respondents.display().to_string();
            let list = app::ListSource::File {
                path: &respondents,
                name: &name,
            };
            let new = NewCampaign {
                survey,
                period,
                title,
                organiser,
                unit,
            };
            let (c, n) = app::create(state, "cli", new, Some(list))?;
            let c = if draft {
                c
            } else {
                app::open(state, "cli", &c.id)?
            };
            out!(
                "Created campaign '{}' ({}) with {n} respondents: {}",
                c.title,
                status_label(&c.status),
                c.id
            );
            Ok(())
        }
        CampaignAction::Links { id, base_url } => {
            let (_, links) = app::issue_links(state, "cli", &id)?;
            let base = super::public_url(state, base_url.as_deref());
            out!("name,group,link");
            for l in &links {
                out!(
                    "{}",
                    csv_line(&[&l.name, &l.group, &format!("{base}/i/{}", l.token)])
                );
            }
            Ok(())
        }
        CampaignAction::Open { id } => {
            let c = app::open(state, "cli", &id)?;
            out!("{} {}", c.id, c.status);
            Ok(())
        }
        CampaignAction::Close { id } => {
            let c = app::close(state, "cli", &id)?;
            out!("{} {}", c.id, c.status);
            Ok(())
        }
        CampaignAction::Reopen { id } => {
            let c = app::reopen(state, "cli", &id)?;
            out!("{} {}", c.id, c.status);
            Ok(())
        }
        CampaignAction::List => {
            for s in app::list(state)? {
                let answered = s
                    .answered
                    .map_or_else(|| format!("<{}", app::MIN_CELL), |n| n.to_string());
                out!(
                    "{}\t{}\t{}\t{}\t{}\t{answered}\t{}",
                    s.campaign.id,
                    s.campaign.survey_id,
                    s.campaign.period,
                    s.campaign.status,
                    s.invited,
                    s.campaign.title
                );
            }
            Ok(())
        }
        CampaignAction::Reminders { id } => {
            out!("name,group,unit,contact");
            for p in app::reminders(state, &id)? {
                out!("{}", csv_line(&[&p.name, &p.group, &p.unit, &p.contact]));
            }
            Ok(())
        }
    }
}
