//! Sources a planning authority can click (issue 11, point 6): every rule and pack source of the
//! built-in packs is the publisher's own address, never a mirror, proxy, reseller or
//! document-sharing site, and a rule resting only on a copy read on a sharing site is at most
//! a warning.

use std::path::Path;

use standoff::model::finding::Severity;
use standoff::rules::compile::on_sharing_site;
use standoff::rules::{Confidence, PackFiles, RuleSet, builtin_packs, load_eager};

/// The hosts a built-in rule may cite (compared without a leading `www.`). Short on purpose: a
/// new host is a reviewed decision, recorded in docs/decisions.md.
const ALLOWED_HOSTS: &[&str] = &[
    // UK legislation and government publishers: the Act, the Home Office and SIA pages on
    // GOV.UK, NPSA (formerly CPNI), Counter Terrorism Policing's ProtectUK, and the police's
    // Secured by Design scheme.
    "legislation.gov.uk",
    "gov.uk",
    "npsa.gov.uk",
    "protectuk.police.uk",
    "securedbydesign.com",
    // A local planning authority, cited for its own adopted plan policy (ERL-POLICE-ADVICE).
    "cheshireeast.gov.uk",
    // US government publishers: the NCTC card (dni.gov and odni.gov, and nctc.gov, NCTC's own
    // former domain), the GSA P100 and the Whole Building Design Guide that publishes the UFC.
    "dni.gov",
    "odni.gov",
    "nctc.gov",
    "gsa.gov",
    "wbdg.org",
    // Standards bodies: ISO (catalogue and Online Browsing Platform), BSI Knowledge, ASTM.
    "iso.org",
    "knowledge.bsigroup.com",
    "astm.org",
    // Professional bodies, schemes, public bodies and test laboratories that publish the text
    // cited: RIBA (Plan of Work, Security Overlay), BRE (BREEAM knowledge base), the
    // Institution of Civil Engineers (RSES), the Scottish Futures Trust, VTI (Swedish road and
    // transport research institute, a crash-test laboratory).
    "architecture.com",
    "kb.breeam.com",
    "ice.org.uk",
    "bimportal.scottishfuturestrust.org.uk",
    "vti.se",
    // Named manufacturers and suppliers of barriers, glazing and film, cited for their own
    // statements (confidence: secondary unless domain.md confirms the fact they print).
    "frontier-pitts.fr",
    "deltascientific.com",
    "heald.uk.com",
    "ebollard.ae",
    "barriersco.co.uk",
    "countrygatesandbarriers.co.uk",
    "sunshinegym.co.uk",
    "vetrotech.com",
    "mitigationtechnologies.com",
    "qualityglassblock.com",
    // Trade press, law firms, consultancies and charities, each the original publisher of the
    // article cited (the secondary sources of domain.md).
    "perimeterprotection.net",
    "counterterrorbusiness.com",
    "counteriedreport.com",
    "bimplus.co.uk",
    "bimtoolbox.org",
    "lbmw.com",
    "dlapiper.com",
    "britishaviationgroup.co.uk",
    "theumbra.com",
    "wheelsforwellbeing.org.uk",
];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn built_in() -> RuleSet {
    load_eager(builtin_packs()).expect("the built-in packs load")
}

/// The host of a web address, or why it is not acceptable as a clickable publisher address.
fn host(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not a web address"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') || authority.contains(':') {
        return Err(format!(
            "`{url}` carries a user or a port: cite the publisher's plain address"
        ));
    }
    let host = authority.to_ascii_lowercase();
    Ok(host.strip_prefix("www.").unwrap_or(&host).to_owned())
}

/// Why `url`, cited by a rule or pack of `pack`, is not acceptable; `None` when it is.
fn refused(pack: &str, url: &str) -> Option<String> {
    if let Some(path) = url.strip_prefix("docs/") {
        if pack != "core" {
            return Some(format!(
                "`{url}`: standoff's own docs/ are a source for the core pack only"
            ));
        }
        let file = path.split('#').next().unwrap_or_default();
        return (!repo().join("docs").join(file).is_file()).then(|| format!("`{url}` names no file in docs/"));
    }
    match host(url) {
        Err(why) => Some(why),
        Ok(_) if on_sharing_site(url) => Some(format!("`{url}` is on (or proxies) a document-sharing site")),
        Ok(host) if ALLOWED_HOSTS.contains(&host.as_str()) => None,
        Ok(host) => Some(format!(
            "`{url}`: host {host} is not a publisher, standards body or named manufacturer on the allow-list"
        )),
    }
}

#[test]
fn every_rule_and_pack_url_is_a_publisher_on_the_allow_list() {
    let set = built_in();
    let mut refusals = Vec::new();
    let mut seen = 0;
    for pack in &set.packs {
        for (title, url) in &pack.sources {
            seen += 1;
            if let Some(why) = refused(&pack.name, url) {
                refusals.push(format!("pack {} source \"{title}\": {why}", pack.name));
            }
        }
    }
    for rule in &set.rules {
        let pack = &set.packs[rule.pack].name;
        for source in &rule.sources {
            seen += 1;
            if let Some(why) = refused(pack, &source.url) {
                refusals.push(format!("rule {} source \"{}\": {why}", rule.id, source.title));
            }
        }
    }
    assert!(
        seen > 150,
        "only {seen} sources were read: the built-in packs did not load whole"
    );
    assert!(refusals.is_empty(), "{}", refusals.join("\n"));
}

#[test]
fn the_allow_list_refuses_mirrors_proxies_resellers_and_sharing_sites() {
    for url in [
        "https://legislation.glitch.me/cy/ukpga/2025/10/section/7?idbadge=off",
        "https://s.veneneo.workers.dev/https/www.scribd.com/document/705815365/Npsa-Public-Realm-Design-Guide",
        "https://sasastunts.com/government/publications/terrorism-protection-of-premises-act-2025-factsheets/x",
        "https://protectuk.police.uk:443/enhanced-tier",
        "https://legalize.dev/uk/law/ukpga-2025-10",
        "https://asnzsnorm.com/product/as-iso-22343-22024",
        "https://standards.iteh.ai/catalog/standards/iso/354777ba/iwa-14-1-2013",
        "https://gsacriteria.tpub.com/p100/p1000248.htm",
        "https://docslib.org/doc/9423827/protecting-against-terrorism",
        "https://pl.scribd.com/document/392201160/PAS-68-2013",
        "https://www.legislation.gov.uk@evil.example/ukpga/2025/10",
        "https://www.legislation.gov.uk.evil.example/ukpga/2025/10",
        "ftp://www.legislation.gov.uk/ukpga/2025/10",
    ] {
        assert!(refused("hvm", url).is_some(), "{url} was accepted");
    }
    assert!(
        refused("hvm", "docs/document-model.md").is_some(),
        "docs/ outside the core pack"
    );
    assert!(
        refused("core", "docs/no-such-file.md").is_some(),
        "a docs/ file that does not exist"
    );
    assert_eq!(refused("core", "docs/document-model.md"), None);
    assert_eq!(
        refused("martyns-law", "https://www.legislation.gov.uk/ukpga/2025/10/section/7"),
        None
    );
}

/// Whether a source was read only on a document-sharing site (its address, or the copy it
/// was read in).
fn shared(source: &standoff::rules::Source) -> bool {
    on_sharing_site(&source.url) || source.read_at.as_deref().is_some_and(on_sharing_site)
}

#[test]
fn a_rule_resting_only_on_a_shared_copy_is_a_warning_that_says_so() {
    let set = built_in();
    let mut checked = Vec::new();
    let mut wrong = Vec::new();
    for rule in &set.rules {
        let confirmed: Vec<_> = rule
            .sources
            .iter()
            .filter(|s| s.confidence == Confidence::Confirmed)
            .collect();
        if confirmed.is_empty() || !confirmed.iter().all(|s| shared(s)) {
            continue;
        }
        checked.push(rule.id.as_str());
        if rule.severity == Severity::Error {
            wrong.push(format!("{} is an error resting only on shared copies", rule.id));
        }
        if !rule.why.contains("document-sharing site") {
            wrong.push(format!(
                "{}'s `why` does not say its fact was read on a document-sharing site",
                rule.id
            ));
        }
    }
    // Every rule that cites a shared copy says so in `why`, whatever else it rests on.
    for rule in &set.rules {
        if rule.sources.iter().any(shared) && !rule.why.contains("document-sharing site") {
            wrong.push(format!("{} cites a shared copy and its `why` does not say so", rule.id));
        }
    }
    assert!(
        checked.contains(&"ERL-HVM-SPECIALIST"),
        "the rules known to rest on shared copies were not found: {checked:?}"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

const PACK: &str = "name: t\ntitle: Test pack\nversion: 0.1.0\nprefix: T\ndescription: Tests.\nsources: [{title: x, url: https://www.legislation.gov.uk/ukpga/2025/10/contents}]\n";

const TESTS: &str = "tests:\n  valid: [{apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a}]}}]\n  invalid: [{documents: [{apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a}]}}], expect: [{at: /spec}]}]\n";

/// Loads a user pack of one rule with these severity and sources; the load errors, if any.
fn load_rule(severity: &str, sources: &str) -> Vec<String> {
    let rule = format!(
        "id: T-SRC\ntitle: T\nseverity: {severity}\nmessage: m\nhelp: h\nwhy: w\nsources: {sources}\nstage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*/id\ncheck: {{required: true}}\n{TESTS}"
    );
    let pack = PackFiles {
        name: "t".into(),
        origin: "t".into(),
        files: vec![
            ("t/pack.yaml".into(), "pack.yaml".into(), PACK.into()),
            ("t/T-SRC.yaml".into(), "T-SRC.yaml".into(), rule),
        ],
    };
    match load_eager(vec![pack]) {
        Ok(_) => Vec::new(),
        Err(standoff::error::ToolError::Located { errors, .. }) => errors.iter().map(|e| e.message.clone()).collect(),
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn an_error_resting_only_on_a_shared_copy_does_not_load() {
    const SHARED: &str = "an error must rest on a confirmed source, and each confirmed source of this rule was read only on a document-sharing site";
    // The publisher's address, but the text read only in a copy on a sharing site.
    let read_at =
        "[{title: Guide, url: https://www.npsa.gov.uk/x, readAt: https://docslib.org/doc/1/x, confidence: confirmed}]";
    let errors = load_rule("error", read_at);
    assert!(errors.iter().any(|e| e == SHARED), "{errors:?}");
    // A sharing site reached through a proxy, and a sharing site's subdomain.
    for url in [
        "https://s.veneneo.workers.dev/https/www.scribd.com/document/1/x",
        "https://pl.scribd.com/document/1/x",
        "https://gsacriteria.tpub.com/p100/p1.htm",
    ] {
        let errors = load_rule(
            "error",
            &format!("[{{title: Guide, url: {url}, confidence: confirmed}}]"),
        );
        assert!(errors.iter().any(|e| e == SHARED), "{url}: {errors:?}");
    }
    // A second confirmed source read at the publisher lets it stand as an error.
    let both = "[{title: Guide, url: https://www.npsa.gov.uk/x, readAt: https://docslib.org/doc/1/x, confidence: confirmed}, {title: Act, url: https://www.legislation.gov.uk/ukpga/2025/10/section/5, confidence: confirmed}]";
    assert_eq!(load_rule("error", both), Vec::<String>::new());
    // A copy that is not on a sharing site (a mirror of the Act) still counts.
    let mirror = "[{title: Act, url: https://www.legislation.gov.uk/ukpga/2025/10/section/5, readAt: https://legislation.glitch.me/cy/ukpga/2025/10/section/5, confidence: confirmed}]";
    assert_eq!(load_rule("error", mirror), Vec::<String>::new());
    // At most a warning: as a warning the shared copy loads.
    assert_eq!(load_rule("warning", read_at), Vec::<String>::new());
}

#[test]
fn read_at_must_be_a_web_address() {
    let errors = load_rule(
        "warning",
        "[{title: Guide, url: https://www.npsa.gov.uk/x, readAt: somewhere, confidence: confirmed}]",
    );
    assert!(!errors.is_empty(), "a readAt that is not a web address was accepted");
}

/// Where standoff's own docs are published. The core pack cites `docs/document-model.md`, a
/// file that exists only in standoff's repository: a user's terminal, JSON, SARIF and review
/// gate must show its published address instead (issue 14, point 8).
const PUBLISHED_MODEL: &str = "https://github.com/standoff-dev/standoff/blob/main/docs/document-model.md";

/// Each mention of a path of standoff's docs/ that is not part of its published address.
fn repo_only_paths(text: &str) -> Vec<String> {
    text.match_indices("docs/document-model.md")
        .filter(|(i, _)| !text[..*i].ends_with("standoff-dev/standoff/blob/main/"))
        .map(|(i, _)| text[i.saturating_sub(60)..i + 22].to_owned())
        .collect()
}

#[test]
fn every_output_shows_standoffs_own_docs_at_their_published_address() {
    let dir = tempfile::tempdir().unwrap();
    // A Site in no project: CORE-PROJECT, whose source is the document model.
    crate::support::write_tree(
        dir.path(),
        &[(
            "site.yaml",
            "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces: [{id: plaza}]\n",
        )],
    );
    let mut outputs = Vec::new();
    for args in [
        &["check", "--color", "never"][..],
        &["check", "--format", "json"],
        &["check", "--format", "sarif"],
        &["explain", "CORE-PROJECT"],
    ] {
        let output = crate::support::run_in(dir.path(), args);
        outputs.push((args.join(" "), crate::support::transcript(&output)));
    }
    let gate = dir.path().join("gate");
    let output = crate::support::run_in(
        dir.path(),
        &["gate", "--stage", "0", ".", "--out", gate.to_str().unwrap()],
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        crate::support::transcript(&output)
    );
    for file in ["gate-record.json", "gate-report.html"] {
        outputs.push((file.to_owned(), std::fs::read_to_string(gate.join(file)).unwrap()));
    }
    for (name, text) in &outputs {
        assert!(
            text.contains(PUBLISHED_MODEL),
            "{name} does not link the document model:\n{text}"
        );
        let repo_only = repo_only_paths(text);
        assert!(
            repo_only.is_empty(),
            "{name} names a file of standoff's checkout: {repo_only:?}"
        );
    }
}
