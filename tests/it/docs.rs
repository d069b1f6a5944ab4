//! The reference pages in docs/ are generated from the definitions
//! (src/write/reference.rs); a page that differs from what the code would
//! write is stale. `make docs` (PBSTAT_BLESS=1) rewrites them.

use std::path::Path;

use pbstat::schema::SchemaSet;
use pbstat::write::reference;

fn check_page(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    if std::env::var_os("PBSTAT_BLESS").is_some() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "docs/{name} is stale: run `make docs` and commit it"
    );
}

#[test]
fn codes_page_is_current() {
    let page = reference::codes_md();
    for c in pbstat::diag::Code::ALL {
        assert!(
            page.contains(&format!("`{}`", c.as_str())),
            "{} missing",
            c.as_str()
        );
    }
    check_page("codes.md", &page);
}

#[test]
fn forms_page_is_current() {
    let set = SchemaSet::load(None).expect("embedded schemas load");
    let page = reference::forms_md(&set);
    for s in &set.schemas {
        assert!(page.contains(&format!("(`{}`)", s.name)));
    }
    check_page("forms.md", &page);
}

#[test]
fn tables_page_is_current() {
    let set = SchemaSet::load(None).expect("embedded schemas load");
    let page = reference::tables_md(&set);
    assert!(page.contains("`satisfied_total`"));
    assert!(page.contains("`submission_rate_num`"));
    check_page("tables.md", &page);
}

#[test]
fn audits_page_is_current() {
    let set = SchemaSet::load(None).expect("embedded schemas load");
    let page = reference::audits_md(&set);
    for c in [
        "cross.duplicate_registration",
        "cross.unit_member_not_on_roster",
        "trend.abnormal_change",
    ] {
        assert!(page.contains(&format!("`{c}`")), "{c} missing");
    }
    check_page("audits.md", &page);
}

#[test]
fn cli_page_is_current() {
    let page = pbstat::cli::reference_md();
    for sub in [
        "validate",
        "check",
        "aggregate",
        "report",
        "template",
        "schema",
    ] {
        assert!(
            page.contains(&format!("### pbstat {sub}\n")),
            "{sub} missing"
        );
    }
    check_page("cli.md", &page);
}
