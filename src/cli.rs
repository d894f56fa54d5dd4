//! The command line. `serve` is the default; later subcommands (validate,
//! ingest, stats, user, ...) slot in beside it.

use clap::{Parser, Subcommand};

const CONFIG_HELP: &str = "\
Configuration (environment variables):
  LEPTOS_SITE_ADDR    address and port to listen on        [default: 127.0.0.1:3000]
  LEPTOS_SITE_ROOT    folder of the built site (CSS, WASM) [default: target/site]
  HWB_DATA_DIR        runtime data folder (store, uploads) [default: hwb-data]
  HWB_AREA_CODE       ONS code of the Board's area         [default: E06000006, Halton]
  HWB_REGION_CODE     its region, the first comparator     [default: the area's region]
  HWB_NATIONAL_CODE   the national comparator              [default: E92000001, England]
  HWB_BOARD_NAME      name shown in the header             [default: <area> Health and Wellbeing Board]
  HWB_MAX_BODY_BYTES  largest request body accepted        [default: 104857600]
  HWB_LOG_FORMAT      request log format: text or json     [default: text]
  RUST_LOG            log filter                           [default: info]";

#[derive(Debug, Parser)]
#[command(
    name = "hwb-outcomes",
    version,
    about = "Outcomes dashboard of a local Health and Wellbeing Board",
    long_about = "Outcomes dashboard of a local Health and Wellbeing Board: the Board's \
                  six priorities, each indicator compared with the region and England.\n\n\
                  With no subcommand, serves the dashboard.",
    after_help = CONFIG_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum Command {
    /// Serve the dashboard over HTTP (the default). Stops cleanly on SIGTERM
    /// or Ctrl-C, finishing requests in flight.
    #[command(after_help = CONFIG_HELP)]
    Serve,
}

impl Cli {
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn serve_is_the_default() {
        assert_eq!(
            Cli::try_parse_from(["hwb-outcomes"])
                .unwrap()
                .into_command(),
            Command::Serve
        );
        assert_eq!(
            Cli::try_parse_from(["hwb-outcomes", "serve"])
                .unwrap()
                .into_command(),
            Command::Serve
        );
        assert!(Cli::try_parse_from(["hwb-outcomes", "bogus"]).is_err());
    }

    #[test]
    fn help_documents_every_subcommand_and_variable() {
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("serve"), "{help}");
        for var in [
            "LEPTOS_SITE_ADDR",
            "HWB_DATA_DIR",
            "HWB_AREA_CODE",
            "HWB_REGION_CODE",
            "HWB_NATIONAL_CODE",
        ] {
            assert!(help.contains(var), "--help lacks {var}");
        }
    }
}
