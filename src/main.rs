//! `aruba-noc-mcp`: parse the command line, run one subcommand, map failures to exit codes
//! (0 ok, 2 configuration or usage error, 1 other failure).

use std::process::ExitCode;

use aruba_noc_mcp::app::{self, Failure};
use aruba_noc_mcp::cli::{self, Command};

fn main() -> ExitCode {
    let cli = match cli::parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => return fail(&Failure::Config(e)),
    };
    let result = match &cli.command {
        Command::Help => {
            print!("{}", cli::help());
            Ok(())
        }
        Command::Version => {
            println!("aruba-noc-mcp {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Serve {
            simulate,
            seed,
            faults,
        } => app::serve(&cli, *simulate, *seed, faults),
        Command::Daemon {
            simulate,
            seed,
            faults,
        } => aruba_noc_mcp::daemon::run(&cli, *simulate, *seed, faults),
        Command::Connect { socket, fallback } => app::connect(&cli, socket.as_deref(), *fallback),
        Command::Check { simulate } => app::check(&cli, *simulate),
        Command::Simulator {
            listen,
            seed,
            token_lifetime,
            faults,
        } => app::simulator(*listen, *seed, *token_lifetime, faults),
        Command::Demo { seed } => run_demo(*seed),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

#[cfg(feature = "demo")]
fn run_demo(seed: u64) -> Result<(), Failure> {
    aruba_noc_mcp::demo::run(seed)
}

#[cfg(not(feature = "demo"))]
fn run_demo(_seed: u64) -> Result<(), Failure> {
    Err(Failure::Other(
        "this build has no demo (cargo feature `demo`)".to_string(),
    ))
}

fn fail(failure: &Failure) -> ExitCode {
    eprintln!("aruba-noc-mcp: {failure}");
    ExitCode::from(failure.exit_code())
}
