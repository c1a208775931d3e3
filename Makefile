# logward — the two commands the README opens with:
#   make demo   set up and run the pipeline on the bundled sample data
#   make test   run every test (what CI runs)

CARGO ?= cargo
BIN := target/release/logward
DEMO := demo-out

.PHONY: all build setup demo test docs bench bench-setup clean report-png models venv fit spark-test spark-test-run spark-bench

all: build

build:
	$(CARGO) build --release

# The ONNX Runtime library `logward score` loads (from PyPI's onnxruntime wheel).
setup:
	scripts/fetch-onnxruntime.sh

# The demo pipeline (scripts/demo.sh): parse every bundled sample, add GeoIP and IP-list tags
# while addresses are real, pseudonymize with a demo key, run the built-in Sigma rules, score
# with the linux-auth model, add ATT&CK names, draw a process tree; end with the report
# (HTML with PNG charts, JSON) and where it is.
demo: build setup
	BIN=$(BIN) scripts/demo.sh $(DEMO)

# Look at the demo report: headless Chromium renders it to a PNG (Debian's chromium package,
# installed by scripts/install-chromium.sh when missing).
report-png: demo
	@scripts/install-chromium.sh
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,4000 \
		--screenshot=$(CURDIR)/$(DEMO)/report.png file://$(CURDIR)/$(DEMO)/report.html 2>/dev/null
	@echo "--- $(DEMO)/report.png"

test: setup
	@scripts/install-chromium.sh
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
	python3 bench/parse_audit.py
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
# The linux-auth model's training logs: the synthetic baseline, then real routine logs of other
# hosts (Filebeat's test logs, Apache-2.0) so the content model knows ordinary messages it was
# not written for. Account changes are left out of the Ubuntu log: they stay anomalous.
AUTH_CORPUS = $(MODEL_WORK)/auth-train.log $(MODEL_WORK)/ubuntu-auth.log $(SHARED)/filebeat/system/syslog/darwin-syslog.log
models: build venv
	@mkdir -p $(MODEL_WORK)
	python3 models/deeplog_events.py $(SHARED)/deeplog-hdfs/hdfs_train train --to 0.8 > $(MODEL_WORK)/hdfs-train.ndjson
	$(BIN) score --export-features $(MODEL_WORK)/hdfs-train.npz --session-field logward.session.id \
		$(MODEL_WORK)/hdfs-train.ndjson
	models/.venv/bin/python models/train.py $(MODEL_WORK)/hdfs-train.npz --name hdfs --out models --no-card --cut-context 0 \
		--description "DeepLog's HDFS sessions (hdfs_train, first 80% in file order: 3,884 normal block sessions, keys 1-29 as template ids)"
	python3 models/auth_baseline.py > $(MODEL_WORK)/auth-train.log
	grep -v -E ' (useradd|groupadd|usermod|userdel|chfn|chage|passwd|last)(\[[0-9]+\])?:' \
		$(SHARED)/filebeat/system/auth/auth-ubuntu1204.log > $(MODEL_WORK)/ubuntu-auth.log
	rm -f models/linux-auth.templates.json
	$(BIN) parse -q --year 2025 --templates models/linux-auth.templates.json $(AUTH_CORPUS) > /dev/null
	$(BIN) parse --year 2025 --templates models/linux-auth.templates.json --templates-frozen $(AUTH_CORPUS) \
		> $(MODEL_WORK)/auth-train.ndjson
	$(BIN) score --export-features $(MODEL_WORK)/auth-train.npz --session-field host.name,process.pid \
		$(MODEL_WORK)/auth-train.ndjson
	models/.venv/bin/python models/train.py $(MODEL_WORK)/auth-train.npz --name linux-auth --out models --no-card \
		--description "synthetic routine Linux auth/syslog activity (models/auth_baseline.py, seeded) with real routine logs of other hosts: Filebeat's Ubuntu auth log without account changes and its macOS syslog; see models/linux-auth.md"
	$(CARGO) build --release
	python3 bench/score.py --write-evaluation

# PyTorch (CPU) for training, in its own environment; `make test` never needs it.
venv:
	test -x models/.venv/bin/python || python3 -m venv models/.venv
	models/.venv/bin/pip install -q -r models/requirements.txt

# Fit your own baseline on normal events (parsed by logward parse):
#   make fit EVENTS=normal.ndjson OUT=mymodel [SESSION=host.name,process.pid] [NAME=mymodel]
# writes OUT/NAME.onnx, OUT/NAME.json and the model card OUT/NAME.md; score with
#   logward score --model OUT/NAME.onnx
EVENTS ?=
OUT ?= mymodel
NAME ?= $(notdir $(patsubst %/,%,$(OUT)))
SESSION ?= host.name,process.pid
DESCRIPTION ?= normal events from $(EVENTS)
fit: build venv
	@test -n "$(EVENTS)" || { echo "usage: make fit EVENTS=normal.ndjson OUT=mymodel [SESSION=host.name,process.pid] [NAME=...]" >&2; exit 2; }
	@mkdir -p $(OUT)
	$(BIN) score --export-features $(OUT)/$(NAME).npz --session-field $(SESSION) $(EVENTS)
	models/.venv/bin/python models/train.py $(OUT)/$(NAME).npz --name $(NAME) --out $(OUT) --description "$(DESCRIPTION)"
	@echo "--- score with: $(BIN) score --model $(OUT)/$(NAME).onnx EVENTS.ndjson (model card: $(OUT)/$(NAME).md)"

clean:
	$(CARGO) clean
	rm -rf $(DEMO) bench/out
