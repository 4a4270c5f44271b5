//! The `clausula` command-line tool: check, evaluate, test, format and batch-score policies.

#[macro_use]
mod style;
mod batch;
mod commands;
mod compare;
mod lsp;
mod records;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  clausula check policies/national/high-tech-enterprise.cla
  clausula eval policies/shanghai/key-tech-transformation.cla \\
      --facts examples/applications/shanghai-fund-eligible.json --as-of 2026-03-01
  clausula eval POLICY --facts - --as-of 2024-05-20 --format json < facts.json
  clausula test policies/
  clausula fmt --check policies/
  clausula batch POLICY --input rows.csv --as-of 2024-12-31 --output results.csv
  clausula compare POLICY --input pop.csv --as-of 2025-12-31 --reform-as-of 2026-03-01 --output cmp.csv
  clausula compare POLICY --input pop.csv --as-of 2026-03-01 --set 单个项目支持上限=1.5亿 --output cmp.csv
  clausula graph POLICY | dot -Tsvg > graph.svg";

/// Clausula: eligibility rules with exact money, effective dates and explanations.
#[derive(Parser)]
#[command(name = "clausula", version, about, after_help = EXAMPLES)]
struct Cli {
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    color: ColorWhen,
    /// The folder that `import`s and directory CSVs must stay inside (default: each
    /// policy's own folder). Absolute paths, `..` above it and symlinks out of it are refused.
    #[arg(long, value_name = "DIR", global = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    /// Colour when writing to a terminal (and `NO_COLOR` is not set).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A readable explanation in the policy's own labels.
    Text,
    /// The JSON contract (the same as Rust, Python and JavaScript return).
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Nodes and edges as JSON.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check policy files: report every error and warning with a code frame.
    #[command(
        after_help = "Exits 1 when a file has an error.\n\nExample:\n  clausula check policies/*/*.cla"
    )]
    Check {
        /// Policy files (or folders to search for `.cla` files).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Evaluate one application and explain the decision.
    #[command(
        after_help = "Example:\n  clausula eval policies/national/high-tech-enterprise.cla \\\n      --facts examples/applications/hnte-2024.json --as-of 2024-05-20"
    )]
    Eval {
        /// The policy (`.cla`, or a compiled `.clag`).
        policy: PathBuf,
        /// The facts as JSON (`-` for standard input).
        #[arg(long)]
        facts: PathBuf,
        /// Evaluation date, YYYY-MM-DD.
        #[arg(long = "as-of", value_name = "DATE")]
        as_of: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run every `example` block of the policies.
    #[command(after_help = "Example:\n  clausula test policies/")]
    Test {
        /// Files or folders (default: the current folder).
        paths: Vec<PathBuf>,
    },
    /// Run the language server over stdin/stdout, for editors (diagnostics as you type,
    /// formatting, symbols, hover, go to definition).
    Lsp,
    /// Format policy files in place (or only check with --check).
    Fmt {
        /// Do not write; exit 1 if a file is not formatted.
        #[arg(long)]
        check: bool,
        /// Files or folders.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Score a file of applications (CSV with dotted column names, or JSON lines).
    #[command(
        after_help = "Each input row gives one output row: status and amounts per outcome, and an error \
column. Rows are read and written in chunks, so any file size runs in constant memory.\n\n\
CSV columns are fact paths (`project.total_investment`); an empty cell is unknown; a list \
input (`equipment`) takes a JSON array in its column.\n\nExample:\n  clausula batch POLICY --input rows.jsonl --as-of 2024-12-31 --output out.jsonl"
    )]
    Batch {
        /// The policy (`.cla` or `.clag`).
        policy: PathBuf,
        /// Input rows: `.csv`, `.jsonl` or `.parquet`.
        #[arg(long)]
        input: PathBuf,
        /// Evaluation date, YYYY-MM-DD.
        #[arg(long = "as-of", value_name = "DATE")]
        as_of: String,
        /// Output file: `.csv`, `.jsonl` or `.parquet` (a Parquet input writes Parquet).
        #[arg(long)]
        output: PathBuf,
        /// Add each line's status (`<outcome>.<line id>`) and the failed lines
        /// (`<outcome>.failed`) per row.
        #[arg(long)]
        lines: bool,
    },
    /// Compare a population under a baseline and a reform: two policies, or one at two dates.
    #[command(
        after_help = "Each input row is evaluated under both sides in one pass; the output has \
per outcome both statuses, what each side pays and the difference, and for a row whose status \
changed the lines behind the change. The summary (transitions, exact totals, the lines behind the \
changes with their citations) is printed; --summary writes it as JSON.\n\nExamples:\n  \
clausula compare POLICY --input pop.csv --as-of 2025-12-31 --reform-as-of 2026-03-01 --output cmp.csv\n  \
clausula compare OLD.cla NEW.cla --input pop.parquet --as-of 2026-03-01 --output cmp.parquet"
    )]
    Compare {
        /// The baseline policy (`.cla` or `.clag`).
        base: PathBuf,
        /// The reform (default: the baseline, at --reform-as-of).
        reform: Option<PathBuf>,
        /// Input rows: `.csv`, `.jsonl` or `.parquet`.
        #[arg(long)]
        input: PathBuf,
        /// The baseline's evaluation date, YYYY-MM-DD.
        #[arg(long = "as-of", value_name = "DATE")]
        as_of: String,
        /// The reform's evaluation date (default: --as-of).
        #[arg(long = "reform-as-of", value_name = "DATE")]
        reform_as_of: Option<String>,
        /// Output file: `.csv` or `.parquet` (a Parquet input writes Parquet).
        #[arg(long)]
        output: PathBuf,
        /// Also write the summary as JSON to this file.
        #[arg(long, value_name = "FILE")]
        summary: Option<PathBuf>,
        /// Override a param or a directory cell in the reform: `NAME=VALUE` (at every date),
        /// `NAME@YYYY-MM-DD=VALUE` (from that date), `DIR[KEY].COLUMN=VALUE`; values as in a
        /// policy (`1.5亿`, `60%`). Repeatable.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
    },
    /// Draw the rule graph (Graphviz DOT, or JSON).
    #[command(after_help = "Example:\n  clausula graph POLICY | dot -Tsvg > graph.svg")]
    Graph {
        /// The policy.
        policy: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Compile a policy to a portable graph (`.clag`) for Python, the browser or `eval`.
    Compile {
        /// The policy.
        policy: PathBuf,
        /// Where to write the compiled graph.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Print a policy's inputs (paths, types, labels, choices) as JSON.
    Inputs {
        /// The policy.
        policy: PathBuf,
    },
    /// Print TypeScript types of a policy's facts (as `schema --format typescript`).
    #[command(after_help = "Example:\n  clausula types POLICY > src/facts.ts")]
    Types {
        /// The policy.
        policy: PathBuf,
    },
    /// Print the schema of a policy's facts: its inputs (as `inputs`), or a JSON Schema
    /// (draft 2020-12) for form libraries and validators.
    #[command(
        after_help = "Example:\n  clausula schema POLICY --format json-schema > facts.schema.json"
    )]
    Schema {
        /// The policy.
        policy: PathBuf,
        /// `inputs` (the engine's own schema), `json-schema`, or `typescript` (the facts'
        /// types, so a misspelt field is a compile error).
        #[arg(long, value_enum, default_value = "inputs")]
        format: SchemaFormat,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SchemaFormat {
    Inputs,
    JsonSchema,
    Typescript,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let style = style::Style::new(cli.color);
    if let Some(root) = cli.root {
        let _ = commands::ROOT.set(root);
    }
    let result = match cli.command {
        Command::Check { files } => commands::check(&style, &files),
        Command::Eval {
            policy,
            facts,
            as_of,
            format,
        } => commands::eval(&style, &policy, &facts, &as_of, format == Format::Json),
        Command::Test { paths } => commands::test(&style, &paths),
        Command::Fmt { check, files } => commands::fmt(&style, check, &files),
        Command::Lsp => lsp::run().map(|()| ExitCode::SUCCESS),
        Command::Batch {
            policy,
            input,
            as_of,
            output,
            lines,
        } => batch::run(
            &style,
            &policy,
            &input,
            &as_of,
            &output,
            clausula_core::BatchOptions { lines },
        ),
        Command::Compare {
            base,
            reform,
            input,
            as_of,
            reform_as_of,
            output,
            summary,
            set,
        } => compare::run(
            &style,
            &compare::Args {
                base: &base,
                reform: reform.as_deref(),
                input: &input,
                as_of: &as_of,
                reform_as_of: reform_as_of.as_deref(),
                output: &output,
                summary: summary.as_deref(),
                set: &set,
            },
        ),
        Command::Graph { policy, format } => {
            commands::graph(&style, &policy, format == GraphFormat::Json)
        }
        Command::Compile { policy, output } => commands::compile(&style, &policy, &output),
        Command::Inputs { policy } => {
            commands::schema(&style, &policy, commands::SchemaOut::Inputs)
        }
        Command::Types { policy } => {
            commands::schema(&style, &policy, commands::SchemaOut::Typescript)
        }
        Command::Schema { policy, format } => commands::schema(
            &style,
            &policy,
            match format {
                SchemaFormat::Inputs => commands::SchemaOut::Inputs,
                SchemaFormat::JsonSchema => commands::SchemaOut::JsonSchema,
                SchemaFormat::Typescript => commands::SchemaOut::Typescript,
            },
        ),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "{} {}",
                style.red("error:"),
                clausula_core::visible(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}
