# logward — the two commands the README opens with:
#   make demo   set up and run the pipeline on the bundled sample data
#   make test   run every test (what CI runs)

CARGO ?= cargo
BIN := target/release/logward
DEMO := demo-out

.PHONY: all build setup demo test docs bench bench-setup clean report-png models spark-test spark-test-run spark-bench

all: build

build:
	$(CARGO) build --release

# The ONNX Runtime library `logward score` loads (from PyPI's onnxruntime wheel).
setup:
	scripts/fetch-onnxruntime.sh

# Parse every bundled sample (auth, syslog, web access, IIS, JSON, CSV exports, a custom
# format) into one NDJSON file with rejected lines and the template table beside it (templates
# matched against the linux-auth model's frozen state, so the model knows them);
# add GeoIP (MaxMind's test databases) and IP-list tags while addresses are real; pseudonymize
# with a demo key (risk report beside it); run the built-in Sigma rules on the pseudonymized
# events; score them with the linux-auth model; add ATT&CK names to the alerts;
# draw a process tree from CSV exports; end with the report of the whole pipeline (HTML, and
# Markdown on the terminal).
demo: build setup
	@mkdir -p $(DEMO)
	cp models/linux-auth.templates.json $(DEMO)/templates-state.json
	$(BIN) parse --year 2023 --errors $(DEMO)/rejected.ndjson --templates-out $(DEMO)/templates.ndjson \
		--templates $(DEMO)/templates-state.json --templates-frozen \
		testdata/parse/auth.log testdata/parse/syslog.log testdata/parse/access.log \
		testdata/parse/iis.log testdata/parse/events.json testdata/parse/*.csv \
		testdata/parse/unknown.txt > $(DEMO)/events.ndjson
	$(BIN) enrich --geoip testdata/geoip/GeoIP2-City-Test.mmdb --geoip testdata/geoip/GeoLite2-ASN-Test.mmdb \
		--ip-list tor=testdata/enrich/tor.txt $(DEMO)/events.ndjson > $(DEMO)/located.ndjson
	@test -f $(DEMO)/demo.key || $(BIN) anonymize --new-key $(DEMO)/demo.key
	$(BIN) anonymize --key-file $(DEMO)/demo.key --risk-report $(DEMO)/risk.json \
		$(DEMO)/located.ndjson > $(DEMO)/anonymized.ndjson
	$(BIN) detect $(DEMO)/anonymized.ndjson > $(DEMO)/detected.ndjson
	$(BIN) score $(DEMO)/detected.ndjson > $(DEMO)/scored.ndjson
	$(BIN) enrich $(DEMO)/scored.ndjson > $(DEMO)/enriched.ndjson
	@echo "--- alerts (rule: reason) in $(DEMO)/enriched.ndjson:"
	@grep '"kind":"alert"' $(DEMO)/enriched.ndjson | grep -o '"reason":"[^"]*"' | head -12
	@echo "--- events tagged ip_list:tor in $(DEMO)/enriched.ndjson: $$(grep -c ip_list:tor $(DEMO)/enriched.ndjson)"
	@echo "--- most anomalous events (score, severity, message) in $(DEMO)/scored.ndjson:"
	@$(BIN) report -q --format json $(DEMO)/scored.ndjson | python3 -c 'import json,sys; \
		[print(" ", a.get("score"), a.get("severity"), (a.get("template") or "")[:90]) for a in json.load(sys.stdin)["anomalies"]["most_anomalous"][:6]]' 
	@echo "--- events by dataset ($(DEMO)/events.ndjson):"
	@grep -o '"dataset":"[^"]*"' $(DEMO)/events.ndjson | sort | uniq -c
	@echo "--- templates: $$(grep -c '"template":{"id"' $(DEMO)/events.ndjson) events have one, $$(grep -c '"known":false' $(DEMO)/events.ndjson) of them outside the linux-auth model's frozen set ($(DEMO)/templates.ndjson)"
	@echo "--- process tree of pid 15150 from the CSV exports in testdata/tree:"
	$(BIN) parse -q --format csv testdata/tree/*.csv | $(BIN) tree -q --pid 15150 | tee $(DEMO)/tree.txt
	@echo "--- rejected lines (file:line reason) are in $(DEMO)/rejected.ndjson"
	$(BIN) report -q --rejects $(DEMO)/rejected.ndjson --format html -o $(DEMO)/report.html --png-dir $(DEMO)/charts \
		--title "logward demo: bundled samples" $(DEMO)/enriched.ndjson
	$(BIN) report -q --rejects $(DEMO)/rejected.ndjson --format json -o $(DEMO)/report.json $(DEMO)/enriched.ndjson
	@echo "--- report overview (all of it: $(DEMO)/report.html, $(DEMO)/report.json, charts as PNG in $(DEMO)/charts):"
	@$(BIN) report -q --rejects $(DEMO)/rejected.ndjson $(DEMO)/enriched.ndjson | sed -n '/^## Overview/,/^### By dataset/p' | head -14

# Look at the demo report: headless Chromium renders it to a PNG (Debian's chromium package,
# installed here when missing).
report-png: demo
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium) \
		|| (sudo apt-get update -q && sudo apt-get install -y -q chromium)
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,10000 \
		--screenshot=$(CURDIR)/$(DEMO)/report.png file://$(CURDIR)/$(DEMO)/report.html 2>/dev/null
	@echo "--- $(DEMO)/report.png"

test: setup
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings
	$(CARGO) test --release
	$(MAKE) spark-test-run

# The Spark job (spark/logward_spark.py) against the single-machine pipe on testdata/, in
# Spark's local mode (local[2]): same events, alerts and rejected lines. PySpark (pip, into
# spark/.venv) and a Java runtime (apt, when missing) come from scripts/setup-spark.sh; only
# where they cannot be installed is the test skipped, with the reason (LOGWARD_REQUIRE_SPARK=1
# makes that a failure). spark-test-run uses the binary already built (make test's).
spark-test: build spark-test-run

spark-test-run:
	@py=$$(scripts/setup-spark.sh) || { rc=$$?; \
		if [ $$rc = 3 ] && [ -z "$${LOGWARD_REQUIRE_SPARK:-}" ]; then \
			echo "spark-test: SKIPPED: PySpark or a Java runtime could not be installed (reason above)"; exit 0; fi; \
		exit $$rc; }; \
	LOGWARD_BIN=$(CURDIR)/$(BIN) PYSPARK_PYTHON=$(CURDIR)/$$py PYSPARK_DRIVER_PYTHON=$(CURDIR)/$$py \
		$$py spark/test_spark.py

# Throughput of the Spark job in local[1] and local[2] on 2M lines, next to the plain pipe.
spark-bench: build
	@py=$$(scripts/setup-spark.sh) && $$py bench/spark.py

# Regenerate completions/ and man/ from the clap definitions.
docs:
	LOGWARD_BLESS=1 $(CARGO) test --release --test docs_sync

# Python peers for the benchmarks (Drain3), in a project-local virtual environment.
bench-setup:
	python3 -m venv .venv
	.venv/bin/pip install -q drain3

bench: build
	bench/parse.sh
	python3 bench/templates.py
	.venv/bin/python bench/templates_speed.py
	python3 bench/enrich_tree.py
	python3 bench/detect.py
	python3 bench/anonymize.py
	python3 bench/report.py
	python3 bench/score.py

# Retrain the shipped models (PyTorch on CPU, in models/.venv): hdfs on the first 80% of
# DeepLog's hdfs_train; linux-auth on the synthetic baseline of models/auth_baseline.py.
# Then bench/score.py evaluates them and writes the evaluation into their metadata.
SHARED ?= ../shared/data
MODEL_WORK := target/models
models: build
	test -x models/.venv/bin/python || python3 -m venv models/.venv
	models/.venv/bin/pip install -q -r models/requirements.txt
	@mkdir -p $(MODEL_WORK)
	python3 models/deeplog_events.py $(SHARED)/deeplog-hdfs/hdfs_train train --to 0.8 > $(MODEL_WORK)/hdfs-train.ndjson
	$(BIN) score --export-features $(MODEL_WORK)/hdfs-train.npz --session-field logward.session.id \
		$(MODEL_WORK)/hdfs-train.ndjson
	models/.venv/bin/python models/train.py $(MODEL_WORK)/hdfs-train.npz --name hdfs --out models \
		--description "DeepLog's HDFS sessions (hdfs_train, first 80% in file order: 3,884 normal block sessions, keys 1-29 as template ids)"
	python3 models/auth_baseline.py > $(MODEL_WORK)/auth-train.log
	rm -f models/linux-auth.templates.json
	$(BIN) parse --year 2025 --templates models/linux-auth.templates.json $(MODEL_WORK)/auth-train.log \
		> $(MODEL_WORK)/auth-train.ndjson
	$(BIN) score --export-features $(MODEL_WORK)/auth-train.npz --session-field host.name,process.pid \
		$(MODEL_WORK)/auth-train.ndjson
	models/.venv/bin/python models/train.py $(MODEL_WORK)/auth-train.npz --name linux-auth --out models \
		--description "synthetic normal Linux auth/syslog activity from models/auth_baseline.py (seeded): see models/linux-auth.md"
	$(CARGO) build --release
	python3 bench/score.py --write-evaluation

clean:
	$(CARGO) clean
	rm -rf $(DEMO) bench/out
