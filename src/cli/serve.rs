//! `chiso [serve]`: the web server.

use super::{out, settings, CliError, Common, ServeArgs};
use chiso::config::Settings;
use chiso::startup;

pub(super) fn run(common: &Common, args: ServeArgs) -> Result<(), CliError> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let settings = Settings {
        bind: args.bind,
        kiosk_min_interval_secs: args.kiosk_interval,
        kiosk_offline_max_secs: args.kiosk_offline_hours * 3600,
        survey_window_days: args.survey_window,
        session_hours: args.session_hours,
        session_idle_minutes: args.session_idle_minutes,
        behind_proxy: args.behind_proxy,
        public_min_n: args.public_min_n,
        limit_per_address: args.limit_per_address,
        limit_per_token: args.limit_per_token,
        limit_per_kiosk: args.limit_per_kiosk,
        limit_per_code: args.limit_per_code,
        body_timeout_secs: args.body_timeout,
        batch_max_forms: args.batch_max_forms,
        secure_cookies: args.secure_cookies,
        ..settings(common)
    };
    let prepared = startup::prepare(settings)?;
    if let Some(p) = &prepared.generated_admin_password {
        out!("Created user 'admin' with password: {p}");
        out!("(shown once; set CHISO_ADMIN_PASSWORD before the first start to choose it)");
    }
    actix_web::rt::System::new().block_on(startup::serve(prepared))?;
    Ok(())
}
