//! The HTML report in a real browser: headless Chromium (Debian's package, installed by
//! scripts/install-chromium.sh, which `make test` runs first) loads the demo report
//! (scripts/demo.sh), with no console errors; the alert list is sorted and filtered through
//! the page's own controls; no table cell breaks inside a word at 1280 px; and a screenshot
//! is saved to target/browser-test/report.png. Skipped, saying why, only where Chromium
//! cannot be installed.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A Chromium binary: $LOGWARD_CHROMIUM, else `chromium` or `chromium-browser` on PATH;
/// the install script is run once when none is there.
fn chromium() -> Option<PathBuf> {
    let find = || -> Option<PathBuf> {
        let mut names: Vec<String> = std::env::var("LOGWARD_CHROMIUM").into_iter().collect();
        names.extend(["chromium".into(), "chromium-browser".into()]);
        for name in names {
            let p = PathBuf::from(&name);
            if p.is_absolute() && p.exists() {
                return Some(p);
            }
            for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
                if dir.join(&name).is_file() {
                    return Some(dir.join(&name));
                }
            }
        }
        None
    };
    find().or_else(|| {
        let _ = Command::new("sh").arg(root().join("scripts/install-chromium.sh")).status();
        find()
    })
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chromium);
    c.args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--mute-audio"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"]);
    c
}

/// Runs in the page after the report's own script: records what the test checks, as JSON,
/// in <pre id="browser-test">.
const PROBE: &str = r##"
<script>
(function () {
  var out = { errors: window.__errors, width: window.innerWidth, steps: [] };
  function rows() { return Array.prototype.slice.call(document.querySelectorAll('#alert-list tbody tr')).filter(function (r) { return !r.classList.contains('rest'); }); }
  function visible() { return rows().filter(function (r) { return !r.hidden; }); }
  function col(name) {
    var ths = document.querySelectorAll('#alert-list thead th');
    for (var i = 0; i < ths.length; i++) if (ths[i].textContent.trim().replace(/[\u25B2\u25BC]/g, '').trim() === name) return i;
    return -1;
  }
  function values(i, attr) { return visible().map(function (r) { var c = r.cells[i]; return attr ? c.getAttribute('data-v') : c.textContent; }); }
  try {
    out.rows = rows().length;
    out.has_filter = !!document.getElementById('alert-list-filter');
    out.has_level = !!document.getElementById('alert-list-level');
    var lv = col('Level'), tm = col('Time'), rule = col('Rule');
    out.columns = Array.prototype.map.call(document.querySelectorAll('#alert-list thead th'), function (th) { return th.textContent.trim(); });
    var button = function (i) { return document.querySelectorAll('#alert-list thead th')[i].querySelector('button'); };
    button(lv).click();
    out.steps.push({ sort: 'level', sort_state: document.querySelectorAll('#alert-list thead th')[lv].getAttribute('aria-sort'), values: values(lv, true).map(Number) });
    button(lv).click();
    out.steps.push({ sort: 'level again', sort_state: document.querySelectorAll('#alert-list thead th')[lv].getAttribute('aria-sort'), values: values(lv, true).map(Number) });
    button(tm).click();
    out.steps.push({ sort: 'time', sort_state: document.querySelectorAll('#alert-list thead th')[tm].getAttribute('aria-sort'), values: values(tm, false) });
    var input = document.getElementById('alert-list-filter');
    var words = rows()[0].cells[rule].textContent.trim();
    input.value = words;
    input.dispatchEvent(new Event('input'));
    out.steps.push({ filter: words, rules: values(rule, false), texts: visible().map(function (r) { return r.textContent; }), count: document.getElementById('alert-list-count').textContent });
    input.value = '';
    input.dispatchEvent(new Event('input'));
    var select = document.getElementById('alert-list-level');
    select.value = select.options[1].value;
    select.dispatchEvent(new Event('change'));
    out.steps.push({ level: select.value, levels: visible().map(function (r) { return r.getAttribute('data-level'); }), count: document.getElementById('alert-list-count').textContent });
    select.value = '';
    select.dispatchEvent(new Event('change'));
    out.steps.push({ cleared: visible().length });
  } catch (e) {
    out.exception = String(e && e.stack || e);
  }
  try {
    // Words split over two lines in a cell. In cells of text
    // from the logs (td.long: reasons, templates, URLs) a line may break at punctuation
    // (after the / of a path, the ? of a query), so there a word is a run of letters and
    // digits; in every other cell it is all that lies between spaces.
    var broken = [];
    Array.prototype.forEach.call(document.querySelectorAll('td'), function (td) {
      var pattern = td.classList.contains('long') ? /[\p{L}\p{N}_]+/gu : /\S+/g;
      var style = getComputedStyle(td);
      var inner = td.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      var walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var re = new RegExp(pattern.source, pattern.flags), m;
        while ((m = re.exec(node.data))) {
          var range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          var rects = Array.prototype.filter.call(range.getClientRects(), function (r) { return r.width > 0; });
          var tops = {};
          rects.forEach(function (r) { tops[Math.round(r.top)] = 1; });
          var width = rects.reduce(function (s, r) { return s + r.width; }, 0);
          // A word may break only when it is wider than its cell and than 240 px (30-odd
          // characters: hashes, long paths); a column squeezed below a short word is a defect.
          if (Object.keys(tops).length > 1 && width <= Math.max(inner + 0.5, 240)) broken.push(m[0] + ' (cell ' + Math.round(inner) + 'px)');
        }
      }
    });
    out.broken = broken.slice(0, 20);
    out.cells = document.querySelectorAll('td').length;
    out.page_overflow = document.documentElement.scrollWidth - window.innerWidth;
    out.missing_targets = Array.prototype.filter.call(document.querySelectorAll('a[href^="#"]'), function (a) {
      return !document.getElementById(a.getAttribute('href').slice(1));
    }).map(function (a) { return a.getAttribute('href'); });
  } catch (e) {
    out.layout_exception = String(e && e.stack || e);
  }
  var pre = document.createElement('pre');
  pre.id = 'browser-test';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"##;

/// Collects page errors and console.error calls from the first script on.
const CATCH: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
(function () { var ce = console.error; console.error = function () { window.__errors.push(Array.prototype.join.call(arguments, ' ')); ce.apply(console, arguments); }; })();
</script>"#;

#[test]
fn the_demo_report_works_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "skipped: no Chromium, and scripts/install-chromium.sh could not install Debian's chromium package here (see its message above); set LOGWARD_CHROMIUM to a Chromium binary to run this test"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = Command::new("bash")
        .arg(root().join("scripts/demo.sh"))
        .arg(&demo)
        .env("BIN", assert_cmd::cargo::cargo_bin("logward"))
        .env("DEMO_QUIET", "1")
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "scripts/demo.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("The report: ") && stdout.contains("Open it in a browser"), "{stdout}");
    let report = demo.join("report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    // The demo scores with --explain (where the model can run): the ranked list says why.
    let json: Value = serde_json::from_str(&std::fs::read_to_string(demo.join("report.json")).unwrap()).unwrap();
    if let Some(ranked) = json["anomalies"]["most_anomalous"].as_array() {
        assert!(ranked.iter().any(|a| a["explanation"].is_string()), "no explanations: {ranked:?}");
        assert!(html.contains("Explanation"), "no explanation column in the HTML");
    }

    // The page with a probe: errors caught from the start, checks run after the page's script.
    let probe = dir.path().join("probe.html");
    let head = html.find("<head>").expect("a head") + "<head>".len();
    let end = html.rfind("</body>").expect("a body");
    std::fs::write(&probe, format!("{}{CATCH}{}{PROBE}{}", &html[..head], &html[head..end], &html[end..])).unwrap();
    let profile = dir.path().join("profile");
    let run = headless(&chromium, &profile)
        .args(["--window-size=1280,900", "--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", probe.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    let start = dom.find("<pre id=\"browser-test\">").unwrap_or_else(|| panic!("the probe did not run: {stderr}"));
    let json = &dom[start + "<pre id=\"browser-test\">".len()..];
    let json = json[..json.find("</pre>").unwrap()].replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">");
    let r: Value = serde_json::from_str(&json.replace("&amp;", "&")).unwrap_or_else(|e| panic!("{e}: {json}"));
    eprintln!("browser probe: {r}");

    assert!(r.get("exception").is_none(), "{}", r["exception"]);
    assert!(r.get("layout_exception").is_none(), "{}", r["layout_exception"]);
    assert_eq!(r["errors"], serde_json::json!([]), "page errors");
    let console_errors: Vec<&str> =
        stderr.lines().filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("Error"))).collect();
    assert!(console_errors.is_empty(), "console errors: {console_errors:?}");
    assert_eq!(r["width"], 1280);
    assert!(r["has_filter"].as_bool().unwrap() && r["has_level"].as_bool().unwrap(), "filter controls: {r}");
    let n = r["rows"].as_u64().unwrap();
    assert!(n >= 5, "the demo has alerts to list: {n}");
    for c in ["Time", "Rule", "Level", "Host", "User", "Source", "ATT&CK", "Reason"] {
        assert!(r["columns"].as_array().unwrap().iter().any(|h| h == c), "column {c}: {}", r["columns"]);
    }

    let steps = r["steps"].as_array().unwrap();
    let nums = |v: &Value| v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect::<Vec<_>>();
    let (first, second) = (nums(&steps[0]["values"]), nums(&steps[1]["values"]));
    assert_eq!(first.len() as u64, n);
    let sorted = |v: &[f64], down: bool| v.windows(2).all(|w| if down { w[0] >= w[1] } else { w[0] <= w[1] });
    let down = steps[0]["sort_state"] == "descending";
    assert!(sorted(&first, down), "level order {first:?}");
    assert!(sorted(&second, !down), "level order again {second:?}");
    assert_ne!(steps[0]["sort_state"], steps[1]["sort_state"]);
    assert!(first.first() != first.last(), "the demo's alerts have several levels: {first:?}");
    let times: Vec<&str> = steps[2]["values"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order {times:?}");

    let filter = steps[3]["filter"].as_str().unwrap().to_lowercase();
    let rules = steps[3]["rules"].as_array().unwrap();
    assert!(!rules.is_empty() && (rules.len() as u64) < n, "a filter on {filter} keeps some rows: {}", steps[3]);
    for text in steps[3]["texts"].as_array().unwrap() {
        let text = text.as_str().unwrap().to_lowercase();
        assert!(filter.split_whitespace().all(|w| text.contains(w)), "{text} shown for the filter {filter}");
    }
    assert!(steps[3]["count"].as_str().unwrap().contains(&format!("{} of {n}", rules.len())), "{}", steps[3]);
    let level = steps[4]["level"].as_str().unwrap();
    let levels = steps[4]["levels"].as_array().unwrap();
    assert!(!levels.is_empty() && levels.iter().all(|l| l == level), "{}", steps[4]);
    assert_eq!(steps[5]["cleared"].as_u64(), Some(n));

    assert!(r["cells"].as_u64().unwrap() > 100);
    assert_eq!(r["broken"], serde_json::json!([]), "words broken inside table cells at 1280 px");
    assert!(r["page_overflow"].as_i64().unwrap() <= 0, "the page scrolls sideways: {}", r["page_overflow"]);
    assert_eq!(r["missing_targets"], serde_json::json!([]), "links to sections that are not there");

    // The screenshot, of the report itself.
    let shots = root().join("target/browser-test");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("report.png");
    let _ = std::fs::remove_file(&png);
    let shot = headless(&chromium, &profile)
        .args(["--window-size=1280,3000", "--virtual-time-budget=5000"])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(png.exists(), "no screenshot: {}", String::from_utf8_lossy(&shot.stderr));
    let img = image::open(&png).unwrap().to_rgb8();
    assert_eq!(img.width(), 1280);
    let inked = img.pixels().filter(|p| p.0.iter().any(|&c| c < 128)).count();
    assert!(inked > 20_000, "the screenshot shows the report ({inked} dark pixels)");
    eprintln!("screenshot: {}", png.display());
}
