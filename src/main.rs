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
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
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
        Command::Audit {
            command: AuditCommand::Verify,
        } => match app::server::audit_verify(&config).await {
            Ok(true) => Ok(()),
            Ok(false) => return std::process::ExitCode::FAILURE,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("audiotricks: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
