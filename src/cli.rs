//! Command-line definitions (cli.md). Subcommands are listed in the order a
//! user meets them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::lang::Lang;

#[derive(Parser, Debug)]
#[command(
    name = "pbstat",
    version,
    about = "城市基层党建统计：校验、审核、汇总报表 (urban grassroots party-building statistics)",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Replace the embedded schemas and requirements with the .toml files of DIR
    #[arg(long, global = true, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Language of messages
    #[arg(long, global = true, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Print nothing but errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// No progress bar
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Worker threads (default: all cores)
    #[arg(short = 'j', long = "jobs", global = true, value_name = "N")]
    pub jobs: Option<usize>,
    /// Refuse a workbook that expands to more than this many MB (zip bombs)
    #[arg(long, global = true, value_name = "MB", default_value_t = 200)]
    pub max_uncompressed_mb: u64,
    /// Refuse a sheet whose data area spans more than this many cells
    #[arg(long, global = true, value_name = "N", default_value_t = 5_000_000)]
    pub max_cells: u64,
    /// Refuse a file larger than this many MB on disk
    #[arg(long, global = true, value_name = "MB", default_value_t = 100)]
    pub max_file_mb: u64,
}

impl Common {
    pub fn limits(&self) -> crate::read::Limits {
        crate::read::Limits {
            file_bytes: self.max_file_mb.saturating_mul(1 << 20),
            uncompressed_bytes: self.max_uncompressed_mb.saturating_mul(1 << 20),
            cells: self.max_cells,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check each submission on its own (and against the registry when given)
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
    /// Validate, then audit across submissions, completeness and requirements
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Build the report tables T0–T4 and the report workbook
    #[command(after_help = AGGREGATE_EXAMPLES)]
    Aggregate(AggregateArgs),
    /// Summarise an aggregate output for an e-mail or a chat message
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// Write blank fill-in workbooks generated from the schemas
    #[command(after_help = TEMPLATE_EXAMPLES)]
    Template(TemplateArgs),
    /// Show or export the schemas
    Schema(SchemaArgs),
}

const TEMPLATE_EXAMPLES: &str = "\
Examples:
  pbstat template --kind community -o 社区报表模板.xlsx
  pbstat template --kind registry -o 名录模板.xlsx
  pbstat template --registry registry.xlsx --period 2026Q3 -o 2026Q3模板/";

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TemplateKindArg {
    Community,
    Unit,
    Meetings,
    Registry,
}

#[derive(Args, Debug)]
pub struct TemplateArgs {
    /// Which form (with --registry: only organisations of this kind)
    #[arg(long, value_enum)]
    pub kind: Option<TemplateKindArg>,
    /// Output file (or folder, with --registry)
    #[arg(short = 'o', long = "output", value_name = "FILE|DIR")]
    pub output: Option<PathBuf>,
    /// Pre-fill one workbook per expected organisation of this registry
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// The period written into the covers
    #[arg(long, value_name = "P")]
    pub period: Option<String>,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  pbstat check submissions/ --period 2026Q3 --registry registry.xlsx
  pbstat check submissions/ --period 2026-10 --registry registry.xlsx --previous report-2026-09
  pbstat check submissions/ --period 2026Q3 --registry registry.xlsx --annotate 退回/";

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// An earlier aggregate output folder: flags counts that changed abnormally
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutFormat::Text)]
    pub format: OutFormat,
    /// Write an annotated copy of each workbook with problems into DIR
    #[arg(long, value_name = "DIR")]
    pub annotate: Option<PathBuf>,
    /// Warnings also make the exit status 1
    #[arg(long)]
    pub strict: bool,
}

const AGGREGATE_EXAMPLES: &str = "\
Examples:
  pbstat aggregate submissions/ --period 2026Q3 --registry registry.xlsx -o report-2026Q3
  pbstat aggregate submissions/ --period 2026-10 --registry registry.xlsx --previous report-2026-09 -o report-2026-10
  pbstat aggregate submissions/ --period 2026Q3 --registry registry.xlsx --exclude-invalid -o report-2026Q3
  pbstat aggregate 县报表/*/report.xlsx --period 2026Q3 -o 市汇总-2026Q3";

const REPORT_EXAMPLES: &str = "\
Examples:
  pbstat report report-2026Q3
  pbstat report report-2026Q3 --format markdown > 周报.md";

#[derive(Args, Debug)]
pub struct AggregateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder (default: report-<period>)
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Leave out every submission with an error (listed in 未纳入汇总) and aggregate the rest
    #[arg(long)]
    pub exclude_invalid: bool,
    /// An earlier aggregate output folder: adds _prev and _change columns
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Markdown,
    Json,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// An aggregate output folder
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

const VALIDATE_EXAMPLES: &str = "\
Examples:
  pbstat validate 城关社区.xlsx --period 2026Q3
  pbstat validate submissions/ --period 2026Q3 --registry registry.xlsx
  pbstat validate submissions/ --format json > diagnostics.json";

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum OutFormat {
    #[default]
    Text,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub struct InputArgs {
    /// Files or folders of submissions (folders are searched recursively)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The period being processed: 2026Q3, 2026-09 or 2026
    #[arg(long, value_name = "P")]
    pub period: Option<String>,
    /// The registry of organisations (报送单位名录)
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// Which ledger CSV inputs hold (a schema name such as roster), when their file names do not say
    #[arg(long, value_name = "NAME")]
    pub form: Option<String>,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutFormat::Text)]
    pub format: OutFormat,
    /// Warnings also make the exit status 1
    #[arg(long)]
    pub strict: bool,
    /// Write an annotated copy of each workbook with problems into DIR
    #[arg(long, value_name = "DIR")]
    pub annotate: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub action: SchemaAction,
}

#[derive(Subcommand, Debug)]
pub enum SchemaAction {
    /// List the schemas in use
    List,
    /// Print one schema as TOML
    Show {
        /// Schema name (see `pbstat schema list`)
        name: String,
    },
    /// Write the schemas and requirements as files to edit and pass back with --schemas
    Export {
        /// Folder to write into (created if missing)
        dir: PathBuf,
    },
}
