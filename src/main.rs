//! The AudioTricks server binary: `serve` (default), `worker`, `migrate`, and operator tools.

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
    /// Platform administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Database backups with an inventory of stored files.
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// Object storage tools.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Secrets at rest (sealed under MASTER_KEY).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Seal every sealed value (two-factor secrets, public link tokens, provider API keys) again
    /// under the first MASTER_KEY entry; afterwards older entries may be removed.
    Rotate,
}

#[derive(Subcommand)]
enum BackupCommand {
    /// Dump the database (compressed) and record every stored file's checksum; keeps the newest
    /// BACKUP_KEEP backups. Needs BACKUP_DATABASE_URL (a role that bypasses Row-Level Security).
    Create,
    /// List backups, newest first.
    List,
    /// Restore a backup into the empty database DATABASE_URL names (BACKUP_DATABASE_URL must
    /// name the same database), then check rows and stored files against its manifest; exits 1
    /// if anything differs.
    Restore {
        /// A backup id from `backup list`, like 20261126-013500.
        id: String,
    },
}

#[derive(Subcommand)]
enum StorageCommand {
    /// Check the store answers, then apply the bucket's lifecycle rules (abandoned uploads, the
    /// trash) and CORS rules for browser uploads. `serve` does this at start for S3.
    Setup,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a confirmed platform admin account, or make an existing account one. The password
    /// comes from ADMIN_PASSWORD or, in a terminal, a prompt (unused for an existing account).
    Create {
        #[arg(long)]
        email: String,
        /// Display name of a new account.
        #[arg(long, default_value = "Administrator")]
        name: String,
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
        Command::Storage {
            command: StorageCommand::Setup,
        } => checked(app::server::storage_setup(&config).await),
        Command::Keys {
            command: KeysCommand::Rotate,
        } => checked(app::server::key_rotation::rotate_command(&config).await),
        Command::Backup { command } => match command {
            BackupCommand::Create => app::server::backup_create(&config).await,
            BackupCommand::List => app::server::backup_list(&config).await,
            BackupCommand::Restore { id } => checked(app::server::backup_restore(&config, &id).await),
        },
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => match admin_password() {
            Ok(password) => checked(app::server::admin_create(&config, &email, &name, &password).await),
            Err(e) => Err(e),
        },
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

/// ADMIN_PASSWORD, or asked for (twice, without echo) when a person is at the terminal.
fn admin_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("ADMIN_PASSWORD") {
        return Ok(password);
    }
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("set ADMIN_PASSWORD, or run `audiotricks admin create` in a terminal to be asked for it");
    }
    let first = rpassword::prompt_password("Password for the admin account: ")?;
    let second = rpassword::prompt_password("The same password again: ")?;
    anyhow::ensure!(first == second, "the two passwords differ; nothing was changed");
    Ok(first)
}
