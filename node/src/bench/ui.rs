//! The *ui* scenario: the server's time to render the web interface's two heaviest pages,
//! against the target of 50 ms each (issue 13):
//!
//! - the bureau's application editor showing a realistic application (the example, about
//!   30 KB, every box filled), on Shanghai's HQ node;
//! - the ministry's nationwide decisions table with 300 recommenders, each of whom submitted
//!   one application that the ministry receipted and gave a verdict, with two experts' reviews
//!   of each and a third recognised or declined.
//!
//! The state is built on real nodes over RocksDB, as the other scenarios build theirs: the
//! offices write and submit through the node's own operations and the ministry takes their
//! feeds through its intake. Each page is then requested through the daemon's own router (gate,
//! language and header layers, handler, askama template) in-process with `tower`'s `oneshot`,
//! signed in with a real session: the clock covers everything the server does for the request
//! except the socket.

use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode, header};
use fedrec_common::operator::{OperatorName, Role as OperatorRole};
use tower::ServiceExt;

use super::*;
use crate::api::{self, Api, auth, session};

/// The target for each page.
const TARGET: Duration = Duration::from_millis(50);
/// The address the bench's gate believes it serves (no socket is bound).
const ADDRESS: &str = "127.0.0.1:7401";

pub(super) fn ui(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let (recommenders, runs) = if quick { (30, 10) } else { (300, 50) };
    let (ministry_data, ministry_address) = new_ministry(root)?;
    let mut ministry = open_node(&ministry_data)?;
    let preparing = Instant::now();
    let mut editor_record = None;
    let mut editor_office = None;
    for index in 0..recommenders {
        let name = format!("r{index:03}");
        let (office_data, _) = new_office(root, &ministry, &ministry_address, &name, &name, None)?;
        let mut office = open_node(&office_data)?;
        give_roster(&ministry, &office)?;
        // Creation and submission: the editor of a submitted record shows it read-only, so
        // the first office also keeps a draft of the same application for the editor.
        let submitted = write_record(&mut office, index, 2, true)?;
        if index == 0 {
            editor_record = Some(write_record(&mut office, recommenders + 1, 1, false)?);
        }
        let taken = ministry.ingest(&office.id(), all_entries(&office)?);
        if taken.refused > 0 || taken.refused_changes > 0 || taken.early > 0 {
            bail!("setting up {name}: the ministry took {taken:?}");
        }
        // The table as it stands during review: two experts' opinions on every record, and a
        // third of the records recognised or declined.
        for (expert, score) in [("专家甲", 80 + index % 20), ("专家乙", 70 + index % 25)] {
            ministry.review(
                &submitted,
                expert,
                score as u32,
                "基地条件扎实，培训计划可行。",
            )?;
        }
        match index % 6 {
            0 => drop(ministry.recognise(&submitted, 2_000_000)?),
            3 => drop(ministry.decline(&submitted, "专家评审意见：实训条件不足。")?),
            _ => {}
        }
        if index == 0 {
            editor_office = Some(office);
        } else {
            drop(office);
            std::fs::remove_dir_all(&office_data)?;
        }
    }
    let verdicts = ministry
        .decisions(Some(6))?
        .iter()
        .filter(|row| row.verdict == "accepted")
        .count();
    if verdicts != recommenders {
        bail!("setting up: {verdicts} accepted verdicts for {recommenders} recommenders");
    }
    println!(
        "  ({recommenders} recommenders submitted and judged in {:.0} s)",
        preparing.elapsed().as_secs_f64()
    );
    let (Some(record), Some(office)) = (editor_record, editor_office) else {
        bail!("setting up: no record for the editor");
    };
    let application_bytes = full_application(recommenders + 1)?.to_toml_string().len();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let editor = runtime.block_on(time_page(
        office,
        OperatorRole::Approver,
        &format!("/ui/records/{record}"),
        runs,
    ))?;
    add(
        report,
        format!("editor, one application of {application_bytes} B, median of {runs}"),
        format!("worst of {runs}"),
        &editor,
    );
    // The node's share of the table: reading every recommender's rows, before wording and HTML.
    let mut reading = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let rows = ministry.decisions(Some(6))?;
        reading.push(started.elapsed());
        std::hint::black_box(rows);
    }
    reading.sort();
    let table = runtime.block_on(time_page(
        ministry,
        OperatorRole::Administrator,
        "/ui/decisions",
        runs,
    ))?;
    add(
        report,
        format!("decisions table, {recommenders} recommenders, median of {runs}"),
        format!("worst of {runs}"),
        &table,
    );
    report.add(
        "ui",
        "… of which reading the rows (Node::decisions), median",
        format!("{:.1} ms", reading[runs / 2].as_secs_f64() * 1e3),
        "",
        None,
    );
    Ok(())
}

fn add(report: &mut Report, median_measure: String, worst_measure: String, times: &[Duration]) {
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    report.add(
        "ui",
        median_measure,
        ms(median),
        "≤ 50 ms",
        Some(median <= TARGET),
    );
    report.add(
        "ui",
        format!("… {worst_measure}"),
        ms(worst),
        "≤ 50 ms",
        Some(worst <= TARGET),
    );
}

/// Serves `node` through the daemon's router, signs a person with `role` in, and times `runs`
/// requests for `path` (after one unmeasured request that warms the caches); sorted times.
async fn time_page(
    node: Node,
    role: OperatorRole,
    path: &str,
    runs: usize,
) -> anyhow::Result<Vec<Duration>> {
    let bound: std::net::SocketAddr = ADDRESS.parse()?;
    let sessions = session::Sessions::for_port(bound.port());
    // No network loop: a request for its peers is answered with none at once.
    let (net, _) = crate::net::channel();
    let state = Arc::new(Api {
        node: std::sync::Mutex::new(node),
        intake_turn: std::sync::Mutex::new(()),
        metrics: Arc::default(),
        sessions: Arc::clone(&sessions),
        peer_id: String::new(),
        net,
        remote_origins: Vec::new(),
    });
    let gate = Arc::new(auth::Gate::with_sessions(
        bound,
        auth::Token::generate()?,
        Arc::clone(&sessions),
    ));
    let router = api::router(state, 1 << 20, gate, crate::ui::router());
    let link = sessions
        .issue_link(session::Session {
            operator: OperatorName::parse("张三").map_err(|e| anyhow::anyhow!("{e}"))?,
            role,
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (id, _) = sessions.redeem(&link).map_err(|e| anyhow::anyhow!("{e}"))?;
    let cookie = format!("{}={id}", sessions.cookie_name());
    let mut times = Vec::with_capacity(runs);
    for run in 0..=runs {
        let request = HttpRequest::get(path)
            .header(header::HOST, ADDRESS)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())?;
        let started = Instant::now();
        let response = router.clone().oneshot(request).await?;
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        let elapsed = started.elapsed();
        if status != StatusCode::OK {
            bail!(
                "{path} answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        if run > 0 {
            times.push(elapsed);
        } else {
            println!("  ({path}: {} B of HTML)", body.len());
        }
    }
    times.sort();
    Ok(times)
}
