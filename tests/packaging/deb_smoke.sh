#!/usr/bin/env bash
# The .deb built by `packaging/build.sh package`, unpacked into a scratch root (no root rights, nothing
# touched outside it) and started from there:
#   - the package declares its run-time dependencies and they resolve on this machine (apt-get -s);
#   - the desktop file, the AppStream metadata and the icon are installed and valid;
#   - the installed slimbench-cli finds the data and example pipelines inside the scratch root
#     (relative to itself), validates an example pipeline, and lays out a PDF report through the
#     installed GUI, which runs offscreen;
#   - the installed GUI starts offscreen and keeps running until stopped.
# Usage: tests/packaging/deb_smoke.sh PACKAGE.deb
set -euo pipefail
DEB=$(readlink -f "$1")
ROOT=$(mktemp -d /tmp/slimbench-deb.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
fail() { echo "deb_smoke: FAIL: $*" >&2; exit 1; }
ok() { echo "deb_smoke: ok: $*"; }

depends=$(dpkg-deb -f "$DEB" Depends)
for lib in libtorch libqt6widgets6 libqcustomplot libsqlite3; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
ok "Depends: $depends"
if command -v apt-get >/dev/null; then
  apt-get install -s -q "$DEB" >"$ROOT/apt.log" 2>&1 || { cat "$ROOT/apt.log"; fail "apt-get cannot resolve the dependencies"; }
  ok "apt-get -s resolves the dependencies"
fi

dpkg-deb -x "$DEB" "$ROOT/root"
R="$ROOT/root/usr"
for f in bin/slimbench bin/slimbench-cli share/applications/io.github.slimbench.Slimbench.desktop \
         share/metainfo/io.github.slimbench.Slimbench.metainfo.xml \
         share/icons/hicolor/scalable/apps/io.github.slimbench.Slimbench.svg \
         share/slimbench/pipelines/thesis-matrix.json share/slimbench/pipelines/prune-lora-quantize.json \
         share/slimbench/data/wikitext-2-raw/wiki.test.raw share/doc/slimbench/NOTICE; do
  [ -e "$R/$f" ] || fail "missing $f"
done
ok "files in place"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$R/share/applications/io.github.slimbench.Slimbench.desktop" || fail "desktop file invalid"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$R/share/metainfo/io.github.slimbench.Slimbench.metainfo.xml" >/dev/null || fail "AppStream metadata invalid"
fi
ok "desktop file and AppStream metadata valid"

# The installed CLI finds its data beside itself, not in the build tree.
unset SLIM_RESOURCE_DATA SLIM_PIPELINES SLIMBENCH_GUI
export HOME="$ROOT/home" XDG_DATA_HOME="$ROOT/home/data" QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$ROOT/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
paths=$("$R/bin/slimbench-cli" paths --json | tail -1)
for key in resources pipelines gui; do
  value=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['$key'])" "$paths")
  [[ "$value" == "$ROOT/root/"* ]] || fail "$key resolves outside the installed tree: $value"
done
ok "installed paths: $paths"
"$R/bin/slimbench-cli" pipeline check "$R/share/slimbench/pipelines/thesis-matrix.json" >/dev/null || fail "pipeline check"
ok "example pipeline validates"

# A PDF report from a small result database, laid out by the installed GUI offscreen.
cat > "$ROOT/records.json" <<'JSON'
[{"id": 0, "created_at": "2026-11-30T00:00:00Z", "kind": "eval", "task": "ppl", "convention": "token-gptq",
  "model": {"path": "/m/base", "name": "base", "fingerprint": "ff"}, "provenance": {"parent": null, "steps": []},
  "settings": {"context": 256, "device": "cpu"}, "metrics": {"ppl": {"value": 10.0, "stderr": 0.1}},
  "memory": {"weights_stored_by_dtype": {"BF16": 2000}}, "speed": {}, "energy": {}, "machine": {}, "versions": {},
  "duration_s": 1.0, "notes": ""},
 {"id": 0, "created_at": "2026-11-30T00:00:01Z", "kind": "eval", "task": "ppl", "convention": "token-gptq",
  "model": {"path": "/m/q4", "name": "q4", "fingerprint": "ee"},
  "provenance": {"parent": {"path": "/m/base"}, "steps": [{"command": "quantize", "method": "gptq", "settings": {"bits": 4, "group": 128}}]},
  "settings": {"context": 256, "device": "cpu"}, "metrics": {"ppl": {"value": 10.5, "stderr": 0.1}},
  "memory": {"weights_stored_by_dtype": {"I32": 600}}, "speed": {}, "energy": {}, "machine": {}, "versions": {},
  "duration_s": 1.0, "notes": ""}]
JSON
"$R/bin/slimbench-cli" results import "$ROOT/records.json" --db "$ROOT/results.sqlite" >/dev/null || fail "results import"
"$R/bin/slimbench-cli" report --db "$ROOT/results.sqlite" --out "$ROOT/report.pdf" >/dev/null 2>"$ROOT/report.log" \
  || { cat "$ROOT/report.log"; fail "report --format pdf through the installed GUI"; }
[ "$(head -c 5 "$ROOT/report.pdf")" = "%PDF-" ] || fail "report.pdf is not a PDF"
ok "PDF report written by the installed GUI ($(stat -c %s "$ROOT/report.pdf") bytes)"

# The installed GUI starts offscreen and is still running after 4 s (then stopped).
"$R/bin/slimbench" >"$ROOT/gui.log" 2>&1 &
pid=$!
sleep 4
kill -0 "$pid" 2>/dev/null || { cat "$ROOT/gui.log"; fail "the installed GUI exited at start"; }
kill "$pid"; wait "$pid" 2>/dev/null || true
ok "installed GUI started offscreen"
echo "deb_smoke: all checks passed"
