//! The AudioTricks server binary: `serve` (default), `worker`, `migrate`.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "audiotricks", version, about = "AudioTricks server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, then serve HTTP and run background workers (the default).
    Serve {
        /// Serve HTTP only; leave jobs to separate `worker` processes.
        #[arg(long)]
        no_workers: bool,
    },
    /// Run background jobs only.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Email tools.
    Email {
        #[command(subcommand)]
        command: EmailCommand,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum EmailCommand {
    /// Send a test email through the configured backend and report the outcome.
    Test {
        /// Recipient address.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit log's hash chain; exits 1 and names the first broken entry if any.
    Verify,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let mut config = match app::server::Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("audiotricks: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    app::server::telemetry::init(&config.log);
    let result = match cli.command.unwrap_or(Command::Serve { no_workers: false }) {
        Command::Serve { no_workers } => {
            config.run_workers &= !no_workers;
            app::server::serve(config).await
        }
        Command::Worker => app::server::worker(config).await,
        Command::Migrate => app::server::migrate(&config).await,
        Command::Email {
            command: EmailCommand::Test { to },
        } => checked(app::server::email_test(&config, &to).await),
        Command::Audit {
            command: AuditCommand::Verify,
        } => checked(app::server::audit_verify(&config).await),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.is::<CheckFailed>() => std::process::ExitCode::FAILURE,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("audiotricks: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A check command ran and found a problem, which it has already reported.
#[derive(Debug)]
struct CheckFailed;

impl std::fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("check failed")
    }
}

impl std::error::Error for CheckFailed {}

/// `Ok(false)` from a check command becomes exit status 1 without a second message.
fn checked(result: anyhow::Result<bool>) -> anyhow::Result<()> {
    match result? {
        true => Ok(()),
        false => Err(CheckFailed.into()),
    }
}
