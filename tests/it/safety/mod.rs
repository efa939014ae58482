//! The zone is the user's data (issue 9): one module per theme, each with a
//! `CASES` table of what an operator would see. The tables are rendered as
//! the "Zone safety" section of `docs/RELIABILITY.md` (after the fault
//! table of `faults.rs`); `faults::reliability_md_matches_the_scenarios`
//! fails when the file differs (`UPDATE_DOCS=1` rewrites it), and
//! [`every_safety_test_has_a_row`] fails when a test has no row.

pub mod files;
pub mod names;
pub mod transport;
pub mod zone;

/// One row of the zone-safety table.
#[derive(Debug)]
pub struct Case {
    /// The test function, in its module.
    pub test: &'static str,
    /// The item of issue 9 it covers (e.g. "1", "13").
    pub item: &'static str,
    /// What the zone or the config holds, or what went wrong before.
    pub case: &'static str,
    /// What the updater does now.
    pub behaviour: &'static str,
    /// The exit code the test asserts.
    pub exit: i32,
}

/// Every module's table, in module order.
pub fn all() -> Vec<(&'static str, &'static [Case])> {
    vec![
        ("zone", zone::CASES),
        ("names", names::CASES),
        ("transport", transport::CASES),
        ("files", files::CASES),
    ]
}

/// The section appended to `docs/RELIABILITY.md`.
pub fn render() -> String {
    let mut out = String::from(
        "\n## Zone safety: records we do not own, names, secrets\n\
         \n\
         A zone holds records this program did not write. Every row is a test in\n\
         `tests/it/safety/` that asserts the exit code and what the zone holds\n\
         afterwards (or that nothing was sent). The rules themselves (what a run\n\
         may delete, what a name template may render) are in the README.\n\
         \n\
         | item | case | what the updater does | exit | test |\n\
         |---|---|---|---|---|\n",
    );
    for (module, cases) in all() {
        for c in cases {
            out.push_str(&format!(
                "| {} | {} | {} | {} | `safety::{module}::{}` |\n",
                c.item, c.case, c.behaviour, c.exit, c.test
            ));
        }
    }
    out
}

/// The row for `test` in `cases`; panics when there is none.
#[track_caller]
pub fn case(cases: &'static [Case], test: &str) -> &'static Case {
    cases
        .iter()
        .find(|c| c.test == test)
        .unwrap_or_else(|| panic!("no row for {test} in CASES"))
}

fn tests_in(source: &str) -> Vec<String> {
    let mut tests = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("#[tokio::test") || line.starts_with("#[test]") {
            let f = lines.next().unwrap_or_default();
            let name = f
                .trim_start_matches("async fn ")
                .trim_start_matches("fn ")
                .split('(')
                .next()
                .unwrap_or_default();
            tests.push(name.to_owned());
        }
    }
    tests
}

#[test]
fn every_safety_test_has_a_row() {
    let sources = [
        ("zone", include_str!("zone.rs")),
        ("names", include_str!("names.rs")),
        ("transport", include_str!("transport.rs")),
        ("files", include_str!("files.rs")),
    ];
    for ((module, source), (_, cases)) in sources.iter().zip(all()) {
        let rows: Vec<&str> = cases.iter().map(|c| c.test).collect();
        assert_eq!(
            tests_in(source),
            rows,
            "safety::{module}: CASES lists the tests, in file order"
        );
    }
}
