use clap::Parser;
use hwb_outcomes::cli::{Cli, Command};
use hwb_outcomes::commands;
use hwb_outcomes::config::{Config, LogFormat};
use std::process::ExitCode;

fn main() -> ExitCode {
    match Cli::parse().into_command() {
        Command::Serve => serve(),
        Command::Validate { files, json, read } => commands::validate(&files, json, &read),
        Command::Ingest {
            files,
            edition,
            publish,
            read,
        } => with_config(|c| commands::ingest(c, &files, &edition, publish, &read)),
        Command::Fetch(args) => with_config(|c| commands::fetch::run(c, &args)),
        Command::Editions => with_config(commands::editions),
        Command::Publish { edition } => with_config(|c| commands::publish(c, &edition)),
        Command::Rebuild { edition } => with_config(|c| commands::rebuild(c, edition)),
        Command::User(cmd) => with_config(|c| commands::user(c, &cmd)),
        Command::Board(hwb_outcomes::cli::BoardCommand::Check { file, json }) => {
            commands::board_check(&file, json)
        }
        Command::Backup { dir } => with_config(|c| commands::backup(c, &dir)),
        Command::Restore { dir } => with_config(|c| commands::restore(c, &dir)),
        Command::Stats {
            method,
            confidence,
            multiplier,
            rate,
        } => commands::stats::run(method, &confidence, multiplier, rate),
    }
}

fn with_config(run: impl FnOnce(&Config) -> ExitCode) -> ExitCode {
    match Config::from_env() {
        Ok(config) => run(&config),
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            ExitCode::from(2)
        }
    }
}

fn serve() -> ExitCode {
    let config = match Config::from_env().and_then(|c| c.prepare_data_dir().map(|()| c)) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hwb-outcomes: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(hwb_outcomes::web::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only for a person at a terminal; log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
