//! Command-line definitions (cli.md). Subcommands are listed in the order a
//! user meets them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::lang::Lang;

#[derive(Parser, Debug)]
#[command(
    name = "pbstat",
    version,
    about = "Urban grassroots party-building statistics: validate, audit and aggregate submission workbooks",
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
    #[arg(long, global = true, value_name = "DIR", env = "PBSTAT_SCHEMAS")]
    pub schemas: Option<PathBuf>,
    /// Language of messages and help (default: Chinese, English when LANG is not Chinese)
    #[arg(
        long = "lang",
        global = true,
        value_enum,
        env = "PBSTAT_LANG",
        value_name = "LANG"
    )]
    pub lang_flag: Option<Lang>,
    /// The language in effect (flag, environment, pbstat.toml, LANG).
    #[arg(skip)]
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
    /// The key the rosters kept between periods are hashed with, kept outside every output (default ~/.config/pbstat/roster.key, made on first use)
    #[arg(long, global = true, value_name = "FILE", env = "PBSTAT_ROSTER_KEY")]
    pub roster_key: Option<PathBuf>,
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
            merges: false,
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
    /// Build the report tables (T0–T10 as embedded) and the report workbook
    #[command(after_help = AGGREGATE_EXAMPLES)]
    Aggregate(AggregateArgs),
    /// Summarise an aggregate output for an e-mail or a chat message
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// Write blank fill-in workbooks generated from the schemas
    #[command(after_help = TEMPLATE_EXAMPLES)]
    Template(TemplateArgs),
    /// Show or export the schemas
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema(SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell)
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
}

const SCHEMA_EXAMPLES: &str = "\
Examples:
  pbstat schema list
  pbstat schema show roster
  pbstat schema export my-schemas/";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  pbstat completions bash > /etc/bash_completion.d/pbstat
  pbstat completions zsh > ~/.zfunc/_pbstat";

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    /// What to print when done: text or one JSON document
    #[arg(long, value_enum, default_value_t = DoneFormat::Text)]
    pub format: DoneFormat,
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
  pbstat aggregate 城关县/report.xlsx 南湖县/report.xlsx --period 2026Q3 -o 市汇总-2026Q3";

const REPORT_EXAMPLES: &str = "\
Examples:
  pbstat report report-2026Q3
  pbstat report report-2026Q3 --format markdown > 周报.md
  pbstat report report-2026Q3 --format html -o 2026Q3摘要.html";

#[derive(Args, Debug)]
pub struct AggregateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder (default: report-<period>)
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR",
        env = "PBSTAT_OUTPUT"
    )]
    pub output: Option<PathBuf>,
    /// Leave out every submission with an error (listed in 未纳入汇总) and aggregate the rest
    #[arg(long)]
    pub exclude_invalid: bool,
    /// An earlier aggregate output folder: adds _prev and _change columns
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
    /// Earlier outputs (a folder of one, or of many) whose headline figures go beside this run's: a 趋势 sheet, tables/history.csv (may be repeated)
    #[arg(long, value_name = "DIR")]
    pub history: Vec<PathBuf>,
    /// A period roll-up of earlier outputs: build it from the sub-periods present when months are missing, and say so in the report
    #[arg(long)]
    pub allow_gaps: bool,
    /// Also write every table into an archive folder as Hive-partitioned Parquet (DIR/<table>/period=<P>/scope=<code>/), for DuckDB, Spark or polars
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// What to print when done: a summary (text) or one JSON document
    #[arg(long, value_enum, default_value_t = DoneFormat::Text)]
    pub format: DoneFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Markdown,
    Json,
    /// One self-contained HTML page with charts (needs -o FILE, or prints it)
    Html,
    /// The history table (with --history)
    Csv,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// An aggregate output folder; with --history, several (or folders of them)
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Set the outputs side by side in period order: the headline figures over time
    #[arg(long)]
    pub history: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
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

/// What a command that writes files prints when done (no CSV: there is no
/// table to print).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum DoneFormat {
    #[default]
    Text,
    Json,
}

impl From<DoneFormat> for OutFormat {
    fn from(f: DoneFormat) -> OutFormat {
        match f {
            DoneFormat::Text => OutFormat::Text,
            DoneFormat::Json => OutFormat::Json,
        }
    }
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
    #[arg(long, value_name = "FILE", env = "PBSTAT_REGISTRY")]
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
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = OutFormat::Text)]
        format: OutFormat,
    },
    /// Print one schema as TOML
    Show {
        /// Schema name (see `pbstat schema list`), or a form's sheet name (会议活动)
        name: String,
    },
    /// Write the schemas and requirements as files to edit and pass back with --schemas
    Export {
        /// Folder to write into (created if missing)
        dir: PathBuf,
        /// Overwrite schema files in DIR that differ from the ones written (a county's edits)
        #[arg(long)]
        force: bool,
    },
}

/// Chinese help for every subcommand and option (the doc comments above are
/// the English text).
const SUB_ZH: &[(&str, &str)] = &[
    (
        "validate",
        "逐份校验报表（给出名录时同时对照名录），每个问题定位到单元格",
    ),
    (
        "check",
        "在校验之外，做表间审核、报送完整性（催报名单）、考核要求和环比异常检查",
    ),
    (
        "aggregate",
        "生成统计表（内置为 T0–T10）、正式报表工作簿及数据文件",
    ),
    ("report", "把汇总结果摘要成可发邮件、发群的文字"),
    ("template", "按表样定义生成空白或预填的填报工作簿"),
    ("schema", "查看或导出表样定义"),
    ("list", "列出在用的表样"),
    (
        "show",
        "以 TOML 打印一个表样（或 requirements、measures、tables、audits）",
    ),
    (
        "export",
        "把表样、考核要求、取数公式、报表和审核规则写成文件，修改后用 --schemas 传回",
    ),
    (
        "completions",
        "输出命令行补全脚本（bash、zsh、fish、powershell）",
    ),
];

const ARG_ZH: &[(&str, &str)] = &[
    ("schemas", "用 DIR 中的 .toml 文件替换内置表样和考核要求"),
    (
        "lang_flag",
        "提示和帮助的语言（默认中文；LANG 不是中文时为英文）",
    ),
    ("quiet", "只输出错误"),
    ("no_progress", "不显示进度条"),
    ("jobs", "并行线程数（默认：全部核心）"),
    (
        "max_uncompressed_mb",
        "工作簿解压后超过此大小（MB）即拒绝读取（防压缩炸弹）",
    ),
    ("max_cells", "工作表数据区域超过此单元格数即拒绝读取"),
    ("max_file_mb", "文件超过此大小（MB）即拒绝读取"),
    ("paths", "报表文件或文件夹（文件夹会递归查找）"),
    ("period", "本次处理的报告期：2026Q3、2026-09 或 2026"),
    ("registry", "报送单位名录"),
    (
        "form",
        "CSV 文件对应的台账（表样名称，如 roster），文件名不能说明时使用",
    ),
    ("format", "输出格式"),
    ("strict", "有警告也以退出码 1 结束"),
    (
        "annotate",
        "为每份有问题的工作簿在 DIR 中生成批注副本（用于退回修改）",
    ),
    ("output", "输出位置"),
    (
        "exclude_invalid",
        "剔除有错误的报表（列入“未纳入汇总”），其余照常汇总",
    ),
    ("previous", "上期汇总输出文件夹：用于环比/同比比较"),
    ("dir", "pbstat aggregate 的输出文件夹"),
    ("kind", "表样种类（与 --registry 同用时只生成该类单位）"),
    ("shell", "终端类型"),
    ("name", "表样名称（见 pbstat schema list），或表样的工作表名（如 会议活动）"),
    (
        "force",
        "覆盖 DIR 中内容不同的表样文件（本地修改会丢失）",
    ),
    (
        "roster_key",
        "各期名册散列所用的密钥文件，应放在所有输出之外（默认 ~/.config/pbstat/roster.key，首次使用时生成）",
    ),
    (
        "allow_gaps",
        "由以往输出跨期汇总时，缺少某些月份也用现有的子期汇总，并在报表中注明",
    ),
    (
        "archive",
        "同时把每张表以 Hive 分区的 Parquet 写入归档文件夹（DIR/<表>/period=<期>/scope=<代码>/），供 DuckDB、Spark 或 polars 使用",
    ),
    (
        "dirs",
        "汇总输出文件夹；与 --history 同用时可给多个（或装有多期的文件夹）",
    ),
    (
        "history",
        "往期输出（一期的文件夹，或装有多期的文件夹），其主要指标与本期并列：趋势表和 tables/history.csv（可重复给出）",
    ),
];

fn localize(mut cmd: clap::Command, lang: Lang) -> clap::Command {
    if lang == Lang::Zh {
        // clap's own headings and help flags, in Chinese.
        cmd = cmd
            .help_template(
                "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}",
            )
            .subcommand_help_heading("命令")
            .next_help_heading("选项")
            .disable_help_flag(true)
            .arg(
                clap::Arg::new("help")
                    .short('h')
                    .long("help")
                    .action(clap::ArgAction::Help)
                    .help("显示帮助")
                    .global(true),
            );
        let positional: Vec<String> = cmd
            .get_arguments()
            .filter(|a| a.is_positional())
            .map(|a| a.get_id().to_string())
            .collect();
        for id in positional {
            cmd = cmd.mut_arg(id, |a| a.help_heading("参数"));
        }
        let options: Vec<String> = cmd
            .get_arguments()
            .filter(|a| !a.is_positional() && a.get_help_heading().is_none())
            .map(|a| a.get_id().to_string())
            .collect();
        for id in options {
            cmd = cmd.mut_arg(id, |a| a.help_heading("选项"));
        }
        let ids: Vec<String> = cmd
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect();
        for (id, zh) in ARG_ZH {
            if ids.iter().any(|i| i == id) {
                cmd = cmd.mut_arg(*id, |a| a.help(*zh));
            }
        }
        // One id, another meaning: `schema export DIR` writes into DIR.
        if cmd.get_name() == "export" && ids.iter().any(|i| i == "dir") {
            cmd = cmd.mut_arg("dir", |a| a.help("写入表样文件的文件夹（不存在时新建）"));
        }
        // report's --history is a switch, and its formats say what they
        // are (clap shows the values' own help in English otherwise).
        if cmd.get_name() == "report" {
            cmd = cmd
                .mut_arg("history", |a| {
                    a.help("按报告期顺序并列多期输出：主要指标随时间的变化")
                })
                .mut_arg("format", |a| {
                    a.help("输出格式：text 文字、markdown、json、html（带图表的单个网页，需 -o FILE，否则打印出来）、csv（历史表，与 --history 同用）")
                        .hide_possible_values(true)
                });
        }
        if let Some(after) = cmd.get_after_help().map(|s| s.to_string()) {
            cmd = cmd.after_help(after.replace("Examples:", "示例："));
        }
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(&name, |s| {
            let s = match SUB_ZH.iter().find(|(n, _)| *n == name) {
                Some((_, zh)) if lang == Lang::Zh => s.about(*zh),
                _ => s,
            };
            localize(s, lang)
        });
    }
    cmd
}

/// The command line in the user's language.
pub fn command(lang: Lang) -> clap::Command {
    let cmd = <Cli as clap::CommandFactory>::command();
    let cmd = match lang {
        Lang::Zh => cmd
            .disable_version_flag(true)
            .disable_help_subcommand(true)
            .arg(
                clap::Arg::new("version")
                    .short('V')
                    .long("version")
                    .action(clap::ArgAction::Version)
                    .help("显示版本"),
            )
            .about("城市基层党建统计：校验、审核、汇总报表")
            .after_help("按使用顺序：validate 校验 → check 审核 → aggregate 汇总 → report 摘要；template 生成模板，schema 查看表样。\n每个命令的示例见 pbstat <命令> --help。"),
        Lang::En => cmd.after_help("In the order you meet them: validate → check → aggregate → report; template writes fill-in workbooks, schema shows the forms.\nEach command's examples: pbstat <command> --help."),
    };
    localize(cmd, lang)
}

/// A command-line error in Chinese (clap's own words are English): what was
/// wrong, what would be right, and where help is.
pub fn error_zh(e: &clap::Error) -> String {
    use clap::error::{ContextKind as C, ErrorKind as K};
    let get = |k: C| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let arg = get(C::InvalidArg);
    let value = get(C::InvalidValue);
    let mut msg = match e.kind() {
        K::UnknownArgument => format!("不认识的选项或参数 {arg}"),
        K::InvalidSubcommand => format!(
            "没有命令 {}；可用的命令：validate、check、aggregate、report、template、schema、completions",
            get(C::InvalidSubcommand)
        ),
        K::InvalidValue if value.is_empty() => format!("{arg} 后面缺少取值"),
        K::InvalidValue => {
            let valid = get(C::ValidValue);
            if valid.is_empty() {
                format!("{arg} 的取值 {value} 无效")
            } else {
                format!("{arg} 的取值 {value} 无效；可选：{valid}")
            }
        }
        K::ValueValidation => format!("{arg} 的取值 {value} 无效：应为整数"),
        K::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        K::ArgumentConflict => format!("{arg} 不能与 {} 同时使用", get(C::PriorArg)),
        K::TooManyValues | K::WrongNumberOfValues | K::TooFewValues => {
            format!("{arg} 的取值个数不对")
        }
        K::NoEquals => format!("{arg} 需要用 = 给出取值"),
        K::MissingSubcommand | K::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少命令；可用的命令：validate、check、aggregate、report、template、schema、completions"
                .to_string()
        }
        _ => format!("命令行有误：{}", e.kind()),
    };
    for k in [C::SuggestedArg, C::SuggestedSubcommand, C::SuggestedValue] {
        let s = get(k);
        if !s.is_empty() {
            msg.push_str(&format!("（是否想写 {s}？）"));
        }
    }
    let usage = get(C::Usage);
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    let mut out = format!("pbstat: {msg}\n");
    if !usage.is_empty() {
        out.push_str(&format!("\n用法：{usage}\n"));
    }
    out.push_str("\n查看帮助：pbstat --help，或 pbstat <命令> --help\n");
    out
}

/// docs/cli.md: the long help of pbstat and of every subcommand, in both
/// languages, from the same definitions as the command line itself.
pub fn reference_md() -> String {
    let mut s = String::from("# Command line\n\n");
    s.push_str(
        "<!-- Generated by `make docs` from src/cli.rs; do not edit by hand. -->\n\n\
         Every command's `--help`, first in Chinese (the default), then in \
         English (`--lang en`, or a LANG that is not Chinese). Exit status: 0 \
         done and the data has no errors, 1 the data has errors (or warnings \
         under `--strict`), 2 the command could not run.\n",
    );
    for lang in [Lang::Zh, Lang::En] {
        // The page must not depend on the environment it is generated in.
        let mut root = command(lang)
            .term_width(100)
            .mut_args(|a| a.hide_env_values(true));
        s.push_str(match lang {
            Lang::Zh => "\n## 中文\n",
            Lang::En => "\n## English\n",
        });
        s.push_str(&format!(
            "\n### pbstat\n\n```text\n{}\n```\n",
            root.render_long_help().to_string().trim_end()
        ));
        let names: Vec<String> = root
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        for name in names {
            let sub = root.find_subcommand_mut(&name).expect("listed subcommand");
            let mut sub = sub
                .clone()
                .term_width(100)
                .mut_args(|a| a.hide_env_values(true))
                .bin_name(format!("pbstat {name}"));
            s.push_str(&format!(
                "\n### pbstat {name}\n\n```text\n{}\n```\n",
                sub.render_long_help().to_string().trim_end()
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    /// Every command, option and argument has Chinese help in the Chinese
    /// command line (schema's list/show/export, --roster-key, --archive,
    /// --allow-gaps and report's --history and formats were English there).
    #[test]
    fn every_argument_has_chinese_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                if !cjk(&help) {
                    missing.push(format!("{path} --{}", a.get_id()));
                }
                if !a.is_hide_possible_values_set() {
                    for v in a.get_possible_values() {
                        if v.get_help().is_some_and(|h| !cjk(&h.to_string())) {
                            missing.push(format!("{path} --{} {}", a.get_id(), v.get_name()));
                        }
                    }
                }
            }
            for s in cmd.get_subcommands() {
                let about = s.get_about().map(|h| h.to_string()).unwrap_or_default();
                if !cjk(&about) {
                    missing.push(format!("{path} {} (about)", s.get_name()));
                }
                walk(s, &format!("{path} {}", s.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(
            &super::command(crate::lang::Lang::Zh),
            "pbstat",
            &mut missing,
        );
        assert!(missing.is_empty(), "English help left: {missing:#?}");
    }
}
