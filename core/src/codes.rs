//! Stable error codes of the engine. Tools and tests match on these, never on wording.
//! Syntax codes (`syntax/…`) are in [`clausula_dsl::codes`].

// ---- check/: the policy is well-formed text but does not make sense.

/// A declared range that cannot hold: LOW > HIGH, no bound, a bound of another type, a range
/// on a field that is not a number or a date, or a default outside it.
pub const BAD_RANGE: &str = "check/bad-range";
/// A name that is declared nowhere in scope.
pub const UNKNOWN_NAME: &str = "check/unknown-name";
/// `entity.field` where the entity has no such field.
pub const UNKNOWN_FIELD: &str = "check/unknown-field";
/// A type name that does not exist.
pub const UNKNOWN_TYPE: &str = "check/unknown-type";
/// A call to a function that does not exist.
pub const UNKNOWN_FUNCTION: &str = "check/unknown-function";
/// `D[x].column` where the directory has no such column.
pub const UNKNOWN_COLUMN: &str = "check/unknown-column";
/// An enum value that the enum does not have.
pub const UNKNOWN_ENUM_VALUE: &str = "check/unknown-enum-value";
/// An example expects an outcome or amount that does not exist.
pub const UNKNOWN_OUTCOME: &str = "check/unknown-outcome";
/// Two declarations, fields, columns, values or amounts with the same name.
pub const DUPLICATE_NAME: &str = "check/duplicate-name";
/// Two directory rows with the same key.
pub const DUPLICATE_KEY: &str = "check/duplicate-key";
/// An expression whose type does not fit where it is used.
pub const TYPE_MISMATCH: &str = "check/type-mismatch";
/// A function called with the wrong number or kind of arguments.
pub const WRONG_ARGUMENTS: &str = "check/wrong-arguments";
/// Rules or tables that depend on themselves.
pub const CYCLE: &str = "check/cycle";
/// A table row that can never be chosen (warning).
pub const UNREACHABLE_ROW: &str = "check/unreachable-row";
/// Two rows of a `unique` table that can match the same facts.
pub const OVERLAPPING_ROWS: &str = "check/overlapping-rows";
/// A value that must be a constant (parameter step, default, directory cell) is not.
pub const NOT_CONSTANT: &str = "check/not-constant";
/// An input, list or directory used as if it were a value.
pub const MISUSED_NAME: &str = "check/misused-name";
/// Parameter steps or table versions out of date order, or two on the same date.
pub const DATE_ORDER: &str = "check/date-order";
/// An input field declared in two places with a different type, default or range, or an
/// input declared as a list in one place and a record in another (R10).
pub const CONFLICTING_INPUT: &str = "check/conflicting-input";
/// An imported file that cannot be read.
pub const IMPORT_NOT_FOUND: &str = "check/import-not-found";
/// The policy file itself cannot be read.
pub const UNREADABLE_FILE: &str = "check/unreadable-file";
/// Files that import each other.
pub const IMPORT_CYCLE: &str = "check/import-cycle";
/// Too many imported files.
pub const TOO_MANY_FILES: &str = "check/too-many-files";
/// A directory CSV that cannot be read or has a bad row.
pub const BAD_DIRECTORY_DATA: &str = "check/bad-directory-data";
/// An enum-keyed directory with no row for some value of the enum (warning): their
/// lookups are unknown.
pub const DIRECTORY_INCOMPLETE: &str = "check/directory-incomplete";
/// A CSV column the directory does not declare (warning).
pub const UNUSED_COLUMN: &str = "check/unused-column";
/// A file compiled as a policy has no `policy` header.
pub const MISSING_POLICY: &str = "check/missing-policy";
/// The `given` facts of an example do not fit the inputs.
pub const INVALID_EXAMPLE: &str = "check/invalid-example";
/// More declarations or directory rows than the limits allow, or function calls that
/// expand past the limit.
pub const TOO_LARGE: &str = "check/too-large";
/// A function's body reads a fact, a rule, a table, a list or an outcome: pass it as an
/// argument instead (R6).
pub const FUNCTION_READS_GLOBAL: &str = "check/function-reads-global";

// ---- eval/: evaluation could not compute something.

/// `as_of` is outside the policy's `effective` window.
pub const OUTSIDE_WINDOW: &str = "eval/outside-effective-window";
/// A result beyond the decimal range (about ±7.9e28).
pub const OVERFLOW: &str = "eval/overflow";
/// A sum, difference or product whose exact value needs more digits than a decimal holds
/// (28 after the point, 96 bits in all): it would have to be rounded, and the engine rounds
/// only where the policy says `round`.
pub const PRECISION: &str = "eval/precision";
/// Division by zero.
pub const DIVISION_BY_ZERO: &str = "eval/division-by-zero";
/// Two rows of a `unique` table matched.
pub const UNIQUE_CONFLICT: &str = "eval/unique-conflict";
/// No row of a table matched and it has no `otherwise`.
pub const NO_MATCHING_ROW: &str = "eval/no-matching-row";
/// A parameter or table has no value in force at `as_of`.
pub const NOT_IN_FORCE: &str = "eval/not-in-force";
/// `min`/`max` over an empty list.
pub const EMPTY_AGGREGATE: &str = "eval/empty-aggregate";
/// Date arithmetic beyond the calendar's range.
pub const DATE_OUT_OF_RANGE: &str = "eval/date-out-of-range";

// ---- facts/: the facts given to an evaluation are not acceptable.

/// The facts document is not valid JSON.
pub const INVALID_JSON: &str = "facts/invalid-json";
/// A value that should be an object (the document, an entity, a list item) is not.
pub const NOT_AN_OBJECT: &str = "facts/not-an-object";
/// A top-level key that is not a declared input.
pub const UNKNOWN_ENTITY: &str = "facts/unknown-entity";
/// A key that is not a declared field.
pub const UNDECLARED_FIELD: &str = "facts/unknown-field";
/// A value of the wrong JSON type.
pub const WRONG_TYPE: &str = "facts/wrong-type";
/// A date that is not `YYYY-MM-DD` or not a calendar date.
pub const INVALID_DATE: &str = "facts/invalid-date";
/// An enum value not among the allowed ones.
pub const INVALID_ENUM_VALUE: &str = "facts/unknown-enum-value";
/// A number or date outside the field's declared range `in LOW..HIGH`.
pub const OUT_OF_RANGE: &str = "facts/out-of-range";
/// A number that is not a valid exact decimal (`NaN`, `1e400`, too many digits).
pub const INVALID_NUMBER: &str = "facts/invalid-number";
/// An `int` fact with a fractional part.
pub const NOT_AN_INTEGER: &str = "facts/not-an-integer";
/// The same key twice in one JSON object.
pub const DUPLICATE_JSON_KEY: &str = "facts/duplicate-key";
/// JSON nested deeper than the limit.
pub const FACTS_TOO_DEEP: &str = "facts/too-deep";
/// Facts validated for another policy (or another version of it: other fields, types, enum
/// values or defaults) passed to this one.
pub const FOREIGN_SCHEMA: &str = "facts/foreign-schema";
/// A facts document or list larger than the limits.
pub const FACTS_TOO_LARGE: &str = "facts/too-large";
/// A batch whose columns name no fact of the policy (every row would be undetermined).
pub const NO_FACT_COLUMNS: &str = "facts/no-fact-columns";
/// A batch column that is a fact written another way (other case, or the field's label).
pub const MISNAMED_COLUMN: &str = "facts/misnamed-column";
/// A batch input column with the name of a result column.
pub const COLUMN_CLASH: &str = "facts/column-clash";

// ---- override/: a what-if override (`Policy::with_params`, `--set`) that cannot apply.

/// An override not written `NAME=VALUE`, `NAME@DATE=VALUE` or `DIR[KEY].COLUMN=VALUE`.
pub const OVERRIDE_SYNTAX: &str = "override/syntax";
/// An override naming a param, directory or column the policy does not have.
pub const OVERRIDE_UNKNOWN: &str = "override/unknown-name";
/// An override whose value does not have the declared type.
pub const OVERRIDE_WRONG_TYPE: &str = "override/wrong-type";

// ---- load/: a file is refused before it is read, or compiled bytes cannot be loaded.

/// A file named by a policy (an `import`, a directory's `from`) that is absolute or leads
/// outside the root folder the loader reads from.
pub const OUTSIDE_ROOT: &str = "load/outside-root";
/// A path that names a folder, a FIFO or a device instead of a regular file.
pub const NOT_A_FILE: &str = "load/not-a-file";
/// A file larger than its limit (checked before reading).
pub const FILE_TOO_LARGE: &str = "load/too-large";
/// Compiled bytes whose checksum does not match: changed after they were written.
pub const CORRUPT_GRAPH: &str = "load/corrupt";
/// Compiled bytes of a format version this build does not read.
pub const UNSUPPORTED_VERSION: &str = "load/unsupported-version";

// ---- graph/: a compiled graph cannot be loaded.

/// The bytes are not a compiled Clausula graph of a supported version, or are corrupt.
pub const INVALID_GRAPH: &str = "graph/invalid";
