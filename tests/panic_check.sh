#!/usr/bin/env bash
# Grep-level panic audit of src/: the appliance build aborts on panic (a panic ends the MCP
# session), so code that handles untrusted bytes must not contain panicking shortcuts.
#
# Flags, outside `#[cfg(test)]` items and comments:
#   .unwrap()  .expect(  .unwrap_unchecked(  panic!(  unreachable!(  todo!(  unimplemented!(
#   indexing / slicing (`name[…]`, `)[…]`, `][…]`), which panics when out of bounds;
#   float → Duration conversions (`from_secs_f64(`, `mul_f64(`, …), which panic on NaN, negative
#   or huge values; `UNIX_EPOCH + …`, which panics on overflow; and humantime's `format_rfc3339*`,
#   whose Display panics before 1970 and fails (so `to_string` panics) after 9999.
# Every remaining hit must be listed in tests/panic_allowlist.txt with the reason it cannot
# panic (or why the input is trusted). Exits 1 naming each unlisted hit, and also when an
# allow-list entry no longer matches anything (so the list stays true).
set -euo pipefail
cd "$(dirname "$0")/.."

allow=tests/panic_allowlist.txt
hits=$(mktemp)
trap 'rm -f "$hits"' EXIT

# Print "file<TAB>trimmed line" for every suspicious line of non-test code.
find src -name '*.rs' | sort | while read -r file; do
    awk -v file="$file" '
    # Blanks out string/char literal contents and comments, keeping state across lines
    # (multi-line strings, raw strings r#"…"#). Sets `code` to what is left.
    function scrub(line,   out, i, n, c, nx) {
        out = ""; n = length(line); i = 1
        while (i <= n) {
            c = substr(line, i, 1); nx = substr(line, i + 1, 1)
            if (instr) {
                if (!raw && c == "\\") { i += 2; continue }
                if (c == "\"" && (!raw || substr(line, i + 1, hashes) == hashpad)) {
                    instr = 0; out = out "\""; i += 1 + (raw ? hashes : 0); continue
                }
                i++; continue
            }
            if (c == "/" && nx == "/") break
            if (c == "r" && (nx == "\"" || nx == "#") && match(substr(line, i), /^r#*"/)) {
                hashes = RLENGTH - 2; hashpad = substr("##########", 1, hashes)
                instr = 1; raw = 1; out = out "\""; i += RLENGTH; continue
            }
            if (c == "\"") { instr = 1; raw = 0; out = out "\""; i++; continue }
            if (c == "'"'"'" && match(substr(line, i), /^'"'"'(\\.[^'"'"']*|[^\\'"'"'])'"'"'/)) {
                out = out "'"'"''"'"'"; i += RLENGTH; continue
            }
            out = out c; i++
        }
        return out
    }
    {
        code = scrub($0)
        if (skipping) {
            t = code; depth += gsub(/\{/, "", t); t = code; depth -= gsub(/\}/, "", t)
            if (code ~ /\{/) opened = 1
            if (opened && depth <= 0) skipping = 0
            # An item without a body (`#[cfg(test)] use x;`) ends at its semicolon.
            if (!opened && code ~ /;[ \t]*$/) skipping = 0
            next
        }
        if (code ~ /^[ \t]*#\[cfg\((all\()?test/) { skipping = 1; depth = 0; opened = 0; next }
        if (code ~ /\.unwrap\(\)|\.expect\(|\.unwrap_unchecked\(|(^|[^_a-z])(panic|unreachable|todo|unimplemented)!\(/ \
            || code ~ /[A-Za-z0-9_)\]]\[/ \
            || code ~ /(^|[^_a-z])(from_secs_f|mul_f|div_f)(32|64)\(|format_rfc3339|UNIX_EPOCH \+/) {
            t = $0; sub(/^[ \t]+/, "", t); sub(/[ \t]+$/, "", t)
            print file "\t" t
        }
    }' "$file"
done > "$hits"

# Allow-list lines: `path<TAB>exact trimmed source line<TAB>reason`; `#` starts a comment line.
status=0
declare -A allowed=()
while IFS=$'\t' read -r path text reason; do
    [[ -z "$path" || "$path" == \#* ]] && continue
    if [[ -z "${reason:-}" ]]; then
        echo "panic_check: allow-list entry without a reason: $path: $text" >&2
        status=1
    fi
    allowed["$path"$'\t'"$text"]=1
done < "$allow"

declare -A seen=()
while IFS= read -r hit; do
    seen["$hit"]=1
    if [[ -z "${allowed[$hit]:-}" ]]; then
        echo "panic_check: possible panic on untrusted data: ${hit/$'\t'/: }" >&2
        status=1
    fi
done < "$hits"

for key in "${!allowed[@]}"; do
    if [[ -z "${seen[$key]:-}" ]]; then
        echo "panic_check: stale allow-list entry (no such line any more): ${key/$'\t'/: }" >&2
        status=1
    fi
done

if [[ $status -eq 0 ]]; then
    echo "panic_check: $(wc -l < "$hits") audited line(s), all justified in $allow"
fi
exit $status
