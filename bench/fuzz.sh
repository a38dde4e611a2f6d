#!/usr/bin/env bash
# bench/fuzz.sh [SECONDS [HARNESS...]]  (default 60 s, every harness)
#
# Runs each libFuzzer harness (tests/fuzz/fuzz_NAME.c, built with clang,
# ASan and UBSan into build-fuzz) for SECONDS, one at a time, starting
# from a copy of its seed corpus tests/fuzz/corpus/NAME in a scratch
# folder: what a run discovers is not added to the repository.  Prints a
# table per harness (seconds, executions = libFuzzer's final
# stat::number_of_executed_units, exec/s, new corpus units, crashes) with
# the exact command, keeps crash/leak/timeout/oom inputs in the scratch
# folder (it is kept then, and named), and exits 1 when any harness found
# one.  The results are appended to bench/RESULTS.md.
#
# Reproduce a finding:  build-fuzz/tests/fuzz_NAME ARTIFACT
# Add it to the corpus (as tests/fuzz/corpus/NAME/crash-WHAT) with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-60}
shift || true
GOAL=10000000   # issue 7: executions per harness

if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
	echo "usage: bench/fuzz.sh [SECONDS [HARNESS...]]" >&2
	exit 2
fi

if ! command -v clang >/dev/null ||
	! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
		>/dev/null 2>&1; then
	scripts/install-deps.sh --bench
fi

# shellcheck source=bench/lib.sh
. bench/lib.sh

names=("$@")
if [ ${#names[@]} = 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		n=${src##*/fuzz_}
		names+=("${n%.c}")
	done
fi

out=$(mktemp -d /tmp/tessera-fuzz.XXXXXX)
found=0
cleanup() {
	if [ "$found" = 0 ]; then
		rm -rf "$out"
	else
		echo "findings kept in $out" >&2
	fi
}
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

say "build"
run scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DTESSERA_FUZZ=ON \
	-DTESSERA_E2E=OFF

# sanitizer reports are findings: stop at the first one
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

rows=()
cmds=()
reached=()
for name in "${names[@]}"; do
	bin=$root/build-fuzz/tests/fuzz_$name
	seeds=$root/tests/fuzz/corpus/$name
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "no harness or corpus for '$name'" >&2
		exit 2
	fi
	work=$out/$name
	mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
	cp "$seeds"/* "$work/corpus/"
	n_seeds=$(find "$seeds" -type f | wc -l)

	say "fuzz_$name: $secs s from $n_seeds seeds"
	cmd=("$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=20
		-rss_limit_mb=2560 -artifact_prefix="$work/artifacts/"
		"$work/corpus")
	cmds+=("$(printf '%q ' "${cmd[@]}")")
	printf '$'; printf ' %q' "${cmd[@]}"; printf '\n'
	t0=$(date +%s.%N)
	# fuzz_http keeps its room registry's files in TMPDIR
	rc=0
	(cd "$work" && TMPDIR=$work/tmp "${cmd[@]}" >"$work/log" 2>&1) || rc=$?
	t1=$(date +%s.%N)
	took=$(calc '%.0f' "$t1 - $t0")

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	new=$(sed -n 's/^stat::new_units_added: *//p' "$work/log")
	crashes=$(find "$work/artifacts" -type f | wc -l)
	if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then
		crashes="exit $rc"  # died without an artifact: see the log
	fi
	if [ "$crashes" != 0 ]; then
		found=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' \
			"$work/log" | head -n 5 || true
		find "$work/artifacts" -type f | sed 's/^/    artifact: /'
		echo "    log: $work/log"
	fi
	echo "executions ${execs:-?}, ${rate:-?} exec/s, ${new:-?} new units," \
		"crashes $crashes"
	rows+=("| fuzz_$name | $took | ${execs:-?} | ${rate:-?} | ${new:-?} | $crashes |")
	if [ -n "$execs" ] && [ "$execs" -ge "$GOAL" ]; then
		reached+=("fuzz_$name")
	fi
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
table='| harness | seconds | executions | exec/s | new units | crashes |'
table+=$'\n|---|---|---|---|---|---|'
for r in "${rows[@]}"; do table+=$'\n'"$r"; done
if [ ${#reached[@]} = 0 ]; then
	goal_line="none of the ${#names[@]} harnesses reached $GOAL executions in $secs s"
else
	goal_line="${#reached[@]} of ${#names[@]} harnesses reached $GOAL executions in $secs s: ${reached[*]}"
fi

say "results"
echo "$table"
echo
echo "issue 7 aims at $GOAL executions per harness; $goal_line"

# ---- bench/RESULTS.md ----
results=$root/bench/RESULTS.md
if ! grep -q '^## Fuzzing (issue 7)' "$results" 2>/dev/null; then
	cat >>"$results" <<'EOF'

## Fuzzing (issue 7)

Appended by `bench/fuzz.sh [SECONDS]` (entries titled "fuzz").  Every
parser of outside input has a libFuzzer harness `tests/fuzz/fuzz_NAME.c`
built with clang, ASan and UBSan (`-DTESSERA_FUZZ=ON`, in `build-fuzz`),
and a seed corpus `tests/fuzz/corpus/NAME/` that ctest replays in the
normal and the sanitizer builds (`fuzz_replay_NAME`).  The script runs
the harnesses one after the other, each for SECONDS from a copy of its
seeds (the repository's corpora are not grown by it).  Executions are
libFuzzer's final `stat::number_of_executed_units`; exec/s its
`stat::average_exec_per_sec`; crashes count the crash, leak, timeout and
OOM inputs it wrote.  Issue 7 aims at 10 million executions per harness;
the slow harnesses drive whole subsystems (a room registry, the Opus
decoder) and need hours, not a minute, to get there.
EOF
fi
when=$(date -u '+%Y-%m-%d %H:%M UTC')
{
	cat <<EOF

## $when - $(commit_id "$root") - fuzz, ${secs} s each

Machine: $(nproc) cores, $(cpu_model); load average before
$load_before, after $load_after.

$table

Issue 7 aims at $GOAL executions per harness: $goal_line.

Commands (each from a copy of its corpus in a scratch folder \`\$SCRATCH\`;
built by \`scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang
-DTESSERA_FUZZ=ON -DTESSERA_E2E=OFF\`, run with
\`ASAN_OPTIONS=$ASAN_OPTIONS\`
\`UBSAN_OPTIONS=$UBSAN_OPTIONS\`):

\`\`\`
bench/fuzz.sh $secs${*:+ $*}
EOF
	for c in "${cmds[@]}"; do
		echo "${c% }" | sed "s|$out|\$SCRATCH|g; s|$root/||g"
	done
	echo '```'
} >>"$results"
echo
echo "appended to $results"

[ "$found" = 0 ]
